"""Vietnamese first: the interface language is Vietnamese unless the user picked another one.
Permissions-Policy on every response; a cap on the size of a request's body; a page, not an
empty body, for a method a view refuses."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _


class VietnameseFirstLocaleMiddleware(MiddlewareMixin):
    """Like LocaleMiddleware but ignores the browser's Accept-Language: officers read
    Vietnamese documents whatever their browser says; only set_language's cookie switches."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class PermissionsPolicyMiddleware:
    """Permissions-Policy on every response (settings.PERMISSIONS_POLICY): the site uses no
    camera, microphone, location, payment or other powerful browser feature."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = ", ".join(
            f"{feature}=({' '.join(allow)})"
            for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class RequestSizeLimitMiddleware:
    """Refuses a request body larger than settings.REQUEST_MAX_BYTES with 413 before anything
    reads it. Django's own DATA_UPLOAD_MAX_MEMORY_SIZE leaves uploaded files out of its count;
    this cap covers the whole body, files included. A Content-Length that is not a number is
    refused with 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            return HttpResponse(
                _("The request's Content-Length is not a number."),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        if length > settings.REQUEST_MAX_BYTES:
            limit = settings.REQUEST_MAX_BYTES // (1024 * 1024)
            return HttpResponse(
                _("The request is larger than %(limit)d MB; send fewer or smaller files.")
                % {"limit": limit},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class MethodNotAllowedPageMiddleware:
    """Django's require_http_methods answers a GET on a POST-only action with an empty 405;
    the user gets the site's 405 page instead (templates/405.html), Allow header kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        page = render(request, "405.html", status=405)
        if "Allow" in response.headers:
            page.headers["Allow"] = response.headers["Allow"]
        return page
