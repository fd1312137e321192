import os

from django.db import connection, transaction
from django.http import JsonResponse

from .models import Item


def sleep(request):
    """A slow query (50 ms on the server, or ?s=seconds): the window a signal lands in."""
    n = int(request.GET.get("n", 0))
    seconds = float(request.GET.get("s", 0.05))
    with connection.cursor() as cur:
        cur.execute("SELECT SLEEP(%s), %s", [seconds, n])
        interrupted, echo = cur.fetchone()
    # SLEEP() returns 1 when the statement was cut short (KILL QUERY).
    return JsonResponse({"n": int(echo), "pid": os.getpid(), "interrupted": interrupted})


def write(request):
    n = int(request.GET.get("n", 0))
    with transaction.atomic():
        item = Item.objects.create(name=f"item {n}", worker=os.getpid())
        got = Item.objects.select_for_update().get(pk=item.pk)
    return JsonResponse({"n": int(got.name.split()[1]), "pid": os.getpid()})


def read(request):
    n = int(request.GET.get("n", 0))
    names = list(Item.objects.order_by("-id").values_list("name", flat=True)[:20])
    with connection.cursor() as cur:
        cur.execute("SELECT %s + 0", [n])
        (echo,) = cur.fetchone()
    return JsonResponse({"n": int(echo), "pid": os.getpid(), "rows": len(names)})
