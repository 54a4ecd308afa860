import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from './core/config/app-config.module';
import { DatabaseModule } from './core/database/database.module';
import { ENTITIES } from './entities';
import { AppGraphQLModule } from './core/graphql/app-graphql.module';
import { HealthModule } from './core/health/health.module';
import { LoggingModule } from './core/logging/logging.module';
import { MetricsModule } from './core/metrics/metrics.module';
import { SystemModule } from './modules/system/system.module';
import { CryptoModule } from './modules/crypto/crypto.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuditIntegrityModule } from './modules/audit/audit-integrity.module';
import { ScheduleModule } from '@nestjs/schedule';
import { CustomersModule } from './modules/customers/customers.module';
import { OutreachModule } from './modules/outreach/outreach.module';
import { ComplianceModule } from './modules/compliance/compliance.module';
import { IdentityModule } from './modules/identity/identity.module';
import { AuthorizationModule } from './modules/authorization/authorization.module';
import { NotificationsModule } from './modules/notifications/notifications.module';
import { NotificationDeliveryModule } from './modules/notifications/notification-delivery.module';
import { PrivacyModule } from './modules/privacy/privacy.module';
import { RetentionModule } from './modules/retention/retention.module';
import { IncidentsModule } from './modules/incidents/incidents.module';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AllExceptionsFilter } from './core/errors/all-exceptions.filter';
import { AccessGuard } from './core/auth/access.guard';
import { RateLimitGuard } from './core/rate-limit/rate-limit.guard';
import { RateLimitModule } from './core/rate-limit/rate-limit.module';

@Module({})
export class AppModule {
  static register(envOverrides: Record<string, string | undefined> = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(envOverrides),
        LoggingModule,
        MetricsModule,
        DatabaseModule.forRoot(ENTITIES),
        ScheduleModule.forRoot(),
        AuditModule,
        AuditIntegrityModule,
        // The customers module writes the read-access log the GraphQL layer feeds.
        AppGraphQLModule.forRoot({ imports: [CustomersModule] }),
        HealthModule,
        RateLimitModule,
        CryptoModule,
        NotificationsModule,
        NotificationDeliveryModule,
        AuthorizationModule,
        IdentityModule,
        CustomersModule,
        OutreachModule,
        ComplianceModule,
        PrivacyModule,
        RetentionModule,
        IncidentsModule,
        SystemModule,
      ],
      providers: [
        // Order matters: the access guard names the caller whose budget the rate limit spends.
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
