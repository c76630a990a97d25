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
