"""Patient keys for file names, logs and report tables: a keyed hash that cannot be reversed without the key.

An unsalted hash of a patient id is reversed by trying ids (a site's ids follow a pattern: ``PHI-12345`` is
one of 10^5 guesses). lowcount keys a patient as the first 12 hex digits of HMAC-SHA256(secret, patient id),
with a 256-bit secret per cohort kept in ``.lowcount-key`` beside the manifest (created on first use,
readable by its owner only, never copied into a report). The same cohort gives the same keys in every
report; without the file nobody can tell which patient a key stands for. Where the cohort folder cannot be
written, a secret drawn for the process is used: keys are then consistent within one report only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = ".lowcount-key"
_PROCESS_SECRET = secrets.token_bytes(32)


def cohort_secret(manifest: str | Path) -> tuple[bytes, str]:
    """(secret, where it lives) of the cohort whose manifest is ``manifest``; creates the key file if needed."""
    path = Path(manifest).parent / KEY_FILE
    try:
        return bytes.fromhex(path.read_text().strip()), str(path)
    except FileNotFoundError:
        pass
    except ValueError as exc:
        raise ValueError(f"{path}: not a lowcount key file (64 hex digits); restore it or delete it") from exc
    secret = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it just now
        return bytes.fromhex(path.read_text().strip()), str(path)
    except OSError:  # a read-only cohort folder
        return _PROCESS_SECRET, "drawn for this process (the cohort folder is read-only)"
    with os.fdopen(fd, "w") as fh:
        fh.write(secret.hex() + "\n")
    return secret, str(path)


def pseudonym(patient_id: str, secret: bytes) -> str:
    """First 12 hex digits of HMAC-SHA256(``secret``, patient id): file-name safe, not reversible without it."""
    return hmac.new(secret, patient_id.encode(), hashlib.sha256).hexdigest()[:12]
