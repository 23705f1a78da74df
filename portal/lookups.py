"""`field__any_of=[ids]`: membership in a list of ids sent as ONE array parameter on PostgreSQL.

Why: an oversight area or the county desk filters on the ids of a county's 500+ communities in several queries per
page. Django's `__in` prepares, normalizes and binds every id separately (about 10 Python calls per id, per query:
some 15 ms of CPU per county page); `= ANY(%s::bigint[])` binds the list once and PostgreSQL plans it exactly as the
IN list (an index condition `community_id = ANY(...)`). Other databases get the ordinary `__in`.
"""

from __future__ import annotations

from django.db.models import ForeignKey, IntegerField, Lookup
from django.db.models.lookups import In


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return In(self.lhs, self.rhs).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = [int(value) for value in self.rhs]
        array_type = self.lhs.output_field.rel_db_type(connection) or "bigint"
        return f"{lhs} = ANY(%s::{array_type}[])", [*lhs_params, ids]


def register() -> None:
    IntegerField.register_lookup(AnyOf)
    ForeignKey.register_lookup(AnyOf)
