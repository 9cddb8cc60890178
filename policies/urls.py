from django.urls import path

from . import views

app_name = "policies"

urlpatterns = [
    path("", views.home, name="home"),
    path("measures/", views.measure_list, name="measure_list"),
    path("measures/<int:number>/", views.measure_detail, name="measure_detail"),
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
    path("documents/<int:document>/measures/<int:number>/", views.document_measure, name="document_measure"),
    path("industries/", views.industry_options, name="industry_options"),
]
