import type { UiNotificationService } from './ohifTypes';

type Notification = Parameters<UiNotificationService['show']>[0];

/**
 * Drops the notifications `shouldDrop` names and passes the others on. Used for one OHIF 3.13
 * false alarm: with a `SeriesInstanceUIDs` filter in the URL, defaultRouteInit warns "Series
 * filter … not part of the current study" for every series added afterwards — including the
 * display set OHIF itself creates for a new in-browser segmentation (its INSTANCES_ADDED
 * handler does not skip series made in the client).
 */
export function installNotificationFilter(service: UiNotificationService, shouldDrop: (notification: Notification) => boolean): void {
  const show = service.show.bind(service);
  service.show = (notification) => {
    if (shouldDrop(notification)) return;
    show(notification);
  };
}
