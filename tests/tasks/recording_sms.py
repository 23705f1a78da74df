"""An SMS backend for worker tests: each message sent is one line in SMS_RECORD_FILE.

While the file SMS_HANG_FLAG exists, a send first writes the process id to SMS_PID_FILE and waits (as a slow provider
would) until the test kills the process: a worker killed in the middle of a send, holding the delivery's row lock.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


class FileRecordingBackend:
    def send(self, message) -> str:
        hang = os.environ.get("SMS_HANG_FLAG", "")
        if hang and Path(hang).exists():
            Path(os.environ["SMS_PID_FILE"]).write_text(str(os.getpid()))
            time.sleep(300)  # killed long before this ends
        line = json.dumps({"phone": message.phone, "template": message.template, "pid": os.getpid()})
        with open(os.environ["SMS_RECORD_FILE"], "a", encoding="utf-8") as record:
            record.write(line + "\n")
        return f"recorded-{os.getpid()}"
