from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("证明事项清单")

    def ready(self) -> None:
        # The resolver and the liability guard cache their vocabulary; any change to it clears the cache.
        from catalog import liability, publiccache, resolver
        from catalog.models import CertificateConcept, LiabilityPhrase

        for signal in (post_save, post_delete):
            signal.connect(resolver.clear_cache, sender=CertificateConcept, dispatch_uid="resolver-cache")
            signal.connect(liability.clear_cache, sender=LiabilityPhrase, dispatch_uid="liability-cache")
        publiccache.connect()  # the public pages' cached parts (catalog/publiccache.py)
