"""The object store (S3-compatible) behind the default file storage, when S3_BUCKET is set (portal/settings.py).

django-storages' S3Storage with one change: a store that cannot be reached, or refuses, reads as an OSError, as a
local disk would. The views that serve files already turn OSError into a clear page ("暂时无法读取") instead of a 500.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    def _open(self, name, mode="rb"):
        try:
            return super()._open(name, mode)
        except (BotoCoreError, ClientError) as error:
            raise OSError(f"object store: {error}") from error
