from django.db import models


class Item(models.Model):
    name = models.CharField(max_length=100)
    worker = models.IntegerField()

    class Meta:
        db_table = "e2e_item"
