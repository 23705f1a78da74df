"""Sign-in with a username or an 11-digit phone number."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class PhoneOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user_model = get_user_model()
        user = user_model.objects.filter(Q(username=username) | Q(phone=username)).first()
        if user is None:
            user_model().set_password(password)  # same cost as a real check: no timing hint that the user is unknown
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
