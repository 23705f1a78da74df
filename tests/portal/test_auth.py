import pytest

from tests.factories import UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize("identifier", ["wang", "13912345678"])
def test_sign_in_with_username_or_phone(client, identifier):
    UserFactory(username="wang", phone="13912345678")
    response = client.post("/accounts/login/", {"username": identifier, "password": "pw-12345678"})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_wrong_password_gives_a_chinese_message_and_keeps_the_username(client):
    UserFactory(username="wang", phone="13912345678")
    response = client.post("/accounts/login/", {"username": "13912345678", "password": "wrong"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "密码不正确" in text and 'value="13912345678"' in text


@pytest.mark.django_db
def test_admin_is_for_superusers_only(client, personas):
    client.force_login(personas.provincial_officer)
    assert client.get("/admin/").status_code == 302  # sent to the admin login, not let in
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
