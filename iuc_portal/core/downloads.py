from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control


def private_pdf_response(field_file, filename: str) -> FileResponse:
    """Serve a privately stored PDF as a download (callers check who may see it)."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, as_attachment=True, filename=filename,
                            content_type="application/pdf")
    patch_cache_control(response, private=True, no_store=True)  # never kept by a cache
    return response
