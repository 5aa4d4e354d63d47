"""E-licence PDF and verification timings, without a database (target: under 150 ms a PDF).

    .venv/bin/python bench/licence_pdf_bench.py [--rounds 40]

Rows: render + PAdES-sign one licence PDF with the cached font subset (what a download costs);
the same with the whole Noto CJK collection (the baseline: how receipts were printed before);
verifying the PDF with the CA certificate alone; verifying the SD-JWT VC with the JWKS alone;
issuing a credential (signing the SD-JWT).  Wall clock and this process's CPU per call, and
how busy the rest of the machine was.  Figures only: nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from common import MEASURED_HEADERS, print_table, run_series

from tongban.adapters import fonts
from tongban.adapters import pdf as pdf_adapter
from tongban.adapters.file_store import LocalFileStore
from tongban.demo.jurisdictions import NANHAI
from tongban.domain.licences.model import Licence
from tongban.domain.shared.jurisdiction import check_jurisdiction
from tongban.services.licences import keys as key_service
from tongban.services.licences.library import _credential, render_pdf
from tongban.services.licences.verify import verify_credential, verify_pdf

NANHAI_ISSUER = check_jurisdiction(NANHAI).credential_issuer
TODAY = date(2027, 1, 1)
"""The day verifications are made as of (the licence is valid from 2026-11-27 to 2046)."""

FIELDS = {
    "sex": "女",
    "ethnicity": "汉",
    "birth_date": "1942-05-18",
    "address": "广东省佛山市南海区九江镇沙口路6号",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    ring = key_service.key_ring(Path(tempfile.mkdtemp(prefix="tongban-bench-keys-")))
    issued = datetime(2026, 11, 27, 2, tzinfo=UTC)

    def credential() -> str:
        return _credential(
            ring,
            NANHAI_ISSUER,
            "DZZZ-id_card-20261127-BENCH001",
            "id_card",
            "GAJ",
            "440605194205180265",
            "梁淑芬",
            FIELDS,
            issued,
            date(2026, 11, 27),
            date(2046, 11, 27),
        )

    text = credential()
    licence = Licence(
        id="DZZZ-id_card-20261127-BENCH001",
        type_code="id_card",
        holder_id="440605194205180265",
        holder_name="梁淑芬",
        fields=FIELDS,
        valid_from=date(2026, 11, 27),
        valid_until=date(2046, 11, 27),
        issued_at=issued,
        issuer_department="GAJ",
        credential=text,
        key_id=ring.current.kid,
    )

    def pdf() -> bytes:
        return render_pdf(
            licence,
            ring,
            verify_url="https://example.test/verify?id=x",
            issuer_name="佛山市公安局南海分局",
        )

    fonts.common_face()  # build the cached subset once, outside the timings
    signed = pdf()
    rows = [
        [
            "render + sign PDF (cached subset)",
            *run_series([pdf], rounds=args.rounds, warmup=2).cells(),
        ],
        [
            "verify PDF (CA only)",
            *run_series(
                [lambda: verify_pdf(signed, ring.ca_certificate_pem, None, today=TODAY)],
                rounds=args.rounds,
                warmup=2,
            ).cells(),
        ],
        [
            "verify SD-JWT VC (JWKS only)",
            *run_series(
                [lambda: verify_credential(text, ring.jwks(), None, today=TODAY)],
                rounds=args.rounds,
                warmup=2,
            ).cells(),
        ],
        ["issue SD-JWT VC (sign)", *run_series([credential], rounds=args.rounds, warmup=2).cells()],
    ]
    # A repeat download: the rendition stored once, read back from the file store.
    store = LocalFileStore(Path(tempfile.mkdtemp(prefix="tongban-bench-files-")))
    sha, _size = store.put([signed])

    def stored() -> bytes:
        with store.open(sha) as found:
            return found.read()

    rows.append(
        [
            "repeat download: the stored PDF read back",
            *run_series([stored], rounds=args.rounds, warmup=2).cells(),
        ]
    )
    # Baseline in the same run: the whole collection face, as every PDF was printed before.
    original = pdf_adapter.font_for
    pdf_adapter.font_for = lambda texts: fonts.chinese_font()  # type: ignore[assignment]
    try:
        baseline = run_series([pdf], rounds=max(3, args.rounds // 8), warmup=1)
    finally:
        pdf_adapter.font_for = original
    rows.append(["baseline: render + sign, whole Noto CJK", *baseline.cells()])
    print_table(["what", *MEASURED_HEADERS], rows, title="e-licence PDF and verification")
    fast = float(rows[0][2])
    print(
        f"\nPDF with the cached subset: median {fast:.1f} ms; the baseline is "
        f"{baseline.wall.median / fast:.1f}× slower (target: under 150 ms a licence PDF)."
    )


if __name__ == "__main__":
    main()
