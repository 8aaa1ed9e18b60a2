from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import pre_delete, pre_save
from django.utils.translation import gettext_lazy as _


def _user_deleted(sender, instance, **kwargs) -> None:
    # Deleting an account empties the driver of his DriverYear rows (SET_NULL), however it is deleted
    # (driver_account_delete, the admin): his years no longer merge into one person, so the cached
    # closed-day figures of his parks go stale. Same transaction as the delete.
    from drivers_home.models import DriverYear
    from drivers_home.services import driver_year_epoch_raise

    parks = DriverYear.objects.filter(driver_id=instance.pk).values_list("park_id", flat=True).distinct().order_by()
    driver_year_epoch_raise(park_ids=list(parks))


def _site_saved(sender, instance, raw=False, **kwargs) -> None:
    # The traffic page's cached closed-day sums read the daily summary through the site's park: a site moved
    # to another park (the admin) takes its past days from one park's figures to the other's.
    if raw or instance.pk is None:
        return
    from drivers_home.services import driver_year_epoch_raise

    old_park = type(instance).objects.filter(pk=instance.pk).values_list("park_id", flat=True).first()
    if old_park is not None and old_park != instance.park_id:
        driver_year_epoch_raise(park_ids=[old_park, instance.park_id])


def _checkin_changed(sender, instance, raw=False, **kwargs) -> None:
    # Check-ins are made by checkin_create and never changed or deleted by the portal; the admin can. Today's
    # figures on the traffic page are cached under the epoch and the count of today's summary rows, which such
    # a change does not touch: raise the epoch of the park(s) concerned. Same transaction as the change.
    if raw or instance.pk is None:
        return
    from drivers_home.models import Site
    from drivers_home.services import driver_year_epoch_raise

    old_site = type(instance).objects.filter(pk=instance.pk).values_list("site_id", flat=True).first()
    site_ids = {instance.site_id} | ({old_site} if old_site is not None else set())
    driver_year_epoch_raise(park_ids=list(Site.objects.filter(pk__in=site_ids).values_list("park_id", flat=True)))


class DriversHomeConfig(AppConfig):
    name = "drivers_home"
    verbose_name = _("Drivers' home")

    def ready(self) -> None:
        from drivers_home import dashboard  # noqa: F401  registers navigation and cards

        pre_delete.connect(_user_deleted, sender=settings.AUTH_USER_MODEL, dispatch_uid="drivers_home_user_deleted")
        pre_save.connect(_site_saved, sender="drivers_home.Site", dispatch_uid="drivers_home_site_saved")
        pre_save.connect(_checkin_changed, sender="drivers_home.CheckIn", dispatch_uid="drivers_home_checkin_saved")
        pre_delete.connect(_checkin_changed, sender="drivers_home.CheckIn", dispatch_uid="drivers_home_checkin_deleted")
