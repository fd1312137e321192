from django.urls import path

from . import views

urlpatterns = [
    path("sleep", views.sleep),
    path("write", views.write),
    path("read", views.read),
]
