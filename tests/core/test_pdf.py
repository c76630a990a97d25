import pytest
from pypdf import PdfReader

from iuc_portal.pdf import render_pdf


@pytest.fixture
def template_dir(settings, tmp_path):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    return tmp_path


def _text(pdf: bytes) -> str:
    import io

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_weasyprint_renders_a_pdf_whose_text_reads_back(template_dir):
    (template_dir / "smoke.html").write_text(
        "<html><body><h1>{{ city }}</h1><p>Local Action Plan</p></body></html>"
    )
    pdf = render_pdf("smoke.html", {"city": "Rotterdam"})
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert "Rotterdam" in text
    assert "Local Action Plan" in text


def test_pdf_rendering_never_fetches_local_files_or_urls(template_dir):
    (template_dir / "hostile.html").write_text(
        '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png"><p>safe</p>'
    )
    pdf = render_pdf("hostile.html", {})
    assert "safe" in _text(pdf)
    assert "root:" not in _text(pdf)


def test_pdf_fetcher_serves_static_files_and_refuses_everything_else():
    from iuc_portal.pdf import StaticOnlyFetcher

    fetcher = StaticOnlyFetcher()
    assert b"--iuc-blue" in fetcher.fetch("static:css/portal.css").read()
    for url in ["file:///etc/passwd", "http://127.0.0.1:9/x.png", "static:../../etc/passwd"]:
        with pytest.raises(ValueError, match="Refusing to fetch"):
            fetcher.fetch(url)


@pytest.mark.parametrize("language", ["fr", "pt"])
def test_pdfs_are_tagged_for_accessibility_and_carry_the_document_language(language):
    import io

    from pypdf import PdfReader

    from iuc_portal.pdf import render_pdf

    pdf = render_pdf("action_plans/pdf/plan.html", _plan_pdf_context(), language=language)
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/Lang"] == language
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root


def _plan_pdf_context():
    from datetime import date
    from types import SimpleNamespace

    plan = SimpleNamespace(application=SimpleNamespace(city_name="Almada"), pairing="Almada",
                           start_date=date(2025, 6, 1), context="", objectives="",
                           stakeholder_group="", actions="", updated_at=date(2025, 6, 2))
    return {"plan": plan, "milestones": [], "pilots": [], "mous": [], "progress": 0}
