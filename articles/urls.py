"""Reader addresses. `reader_page` marks the views whose pages are served the one way
(delivery/pages.py): kept copies, 304s, counted reads."""

from django.urls import path

from . import views
from .delivery.pages import reader_page

app_name = "articles"

urlpatterns = [
    path("", reader_page(views.home), name="home"),
    path("terms/", reader_page(views.entry_index), name="index"),
    path("terms/<slug:slug>/", reader_page(views.entry_detail), name="detail"),
    path("terms/<slug:slug>/preview/", reader_page(views.entry_link_preview), name="preview"),
    path("terms/<slug:slug>/feedback/", views.entry_feedback, name="feedback"),
    path("categories/<slug:slug>/", reader_page(views.category_detail), name="category"),
    path("help/", reader_page(views.help_page, shared=False), name="help"),
    path("privacy/", reader_page(views.privacy_page), name="privacy"),
    path("search/", reader_page(views.search_results), name="search"),
    path("search/suggest/", reader_page(views.search_suggestions), name="suggest"),
]
