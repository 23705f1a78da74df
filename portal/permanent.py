"""Records the policy makes permanent (register entries, events, seal uses, issued PDFs…): written once, never
changed or deleted. Corrections are new records. The model layer refuses here; on PostgreSQL triggers refuse too
(certificates migration 0003, seals migration 0002).
"""

from django.db import models
from django.utils.translation import gettext


class PermanentRecordError(Exception):
    pass


def _refuse_change():
    raise PermanentRecordError(gettext("该记录是永久记录，不能修改；更正请另立新记录。"))


def _refuse_delete():
    raise PermanentRecordError(gettext("该记录是永久记录，不能删除。"))


class PermanentQuerySet(models.QuerySet):
    def update(self, **kwargs):
        _refuse_change()

    def delete(self):
        _refuse_delete()


class PermanentRecord(models.Model):
    objects = PermanentQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            _refuse_change()
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_delete()
