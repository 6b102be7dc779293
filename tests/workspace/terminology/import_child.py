"""Child process for the kill test: import a release, printing its progress as it goes."""

from __future__ import annotations

import sys
from pathlib import Path

from storage.profile import Profile
from tests.conftest import PASSPHRASE
from workspace.terminology.concept import RXNORM
from workspace.terminology.store import TerminologyStore


def main() -> None:
    profile = Profile.unlock(Path(sys.argv[1]), PASSPHRASE)
    store = TerminologyStore(profile.database, profile.audit)
    store.import_release(
        RXNORM, Path(sys.argv[2]), "new", progress=lambda n: print(f"STAGED {n}", flush=True)
    )
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
