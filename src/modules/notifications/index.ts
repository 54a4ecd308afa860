// The notifications module's public surface besides NotificationsService and its Nest modules.
export { NotificationChannel } from './entities/notification.entity';
