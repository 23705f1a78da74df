"""Roles a person holds at a place. The one table of which role binds to which level of place."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.regions import Level


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    STAFF = "staff", _("社区工作人员")
    DIRECTOR = "director", _("社区主任")
    KEEPER = "keeper", _("印章保管人")
    COUNTY_OFFICER = "county_officer", _("区县民政干部")
    STREET_OFFICER = "street_officer", _("街道（乡镇）民政干部")
    CITY_OFFICER = "city_officer", _("设区市民政干部")
    DEPARTMENT_OFFICER = "department_officer", _("部门工作人员")
    PROVINCIAL_OFFICER = "provincial_officer", _("省级民政干部")


ROLE_LEVEL: dict[str, str] = {
    Role.RESIDENT: Level.COMMUNITY,
    Role.STAFF: Level.COMMUNITY,
    Role.DIRECTOR: Level.COMMUNITY,
    Role.KEEPER: Level.COMMUNITY,
    Role.COUNTY_OFFICER: Level.COUNTY,
    Role.STREET_OFFICER: Level.STREET,
    Role.CITY_OFFICER: Level.CITY,
    # A department of a county government (e.g. the county's human resources bureau): applies to the county for
    # work-access (工作准入) when it wants communities to issue a new certificate.
    Role.DEPARTMENT_OFFICER: Level.COUNTY,
    Role.PROVINCIAL_OFFICER: Level.PROVINCE,
}

COMMUNITY_WORK_ROLES: frozenset[str] = frozenset({Role.STAFF, Role.DIRECTOR, Role.KEEPER})
OFFICER_ROLES: frozenset[str] = frozenset({Role.COUNTY_OFFICER, Role.PROVINCIAL_OFFICER})
# Who oversees the communities below their place (read access, the oversight pages): besides the county and the
# province, a street/township officer their street's communities (also post-checks there) and a city officer the
# city's counties. Only county and province officers maintain catalogs, seals and waivers (OFFICER_ROLES).
OVERSIGHT_ROLES: frozenset[str] = OFFICER_ROLES | {Role.STREET_OFFICER, Role.CITY_OFFICER}
# Roles that must pass a second sign-in step (TOTP code or recovery code): everyone who acts for a place.
SECOND_FACTOR_ROLES: frozenset[str] = COMMUNITY_WORK_ROLES | OVERSIGHT_ROLES | {Role.DEPARTMENT_OFFICER}
