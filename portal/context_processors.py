"""Context processors for every page."""

from django.http import HttpRequest

from .views import display_context


def display(request: HttpRequest) -> dict:
    return display_context(request)
