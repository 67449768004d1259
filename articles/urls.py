from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("terms/", views.term_index, name="index"),
    path("terms/<slug:slug>/", views.article_detail, name="detail"),
    path("terms/<slug:slug>/preview/", views.article_preview, name="preview"),
    path("terms/<slug:slug>/feedback/", views.article_feedback, name="feedback"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("help/", views.help_page, name="help"),
    path("search/", views.search_results, name="search"),
    path("search/suggest/", views.search_suggestions, name="suggest"),
]
