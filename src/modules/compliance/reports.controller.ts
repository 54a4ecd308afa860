import { Controller, Get, Header, Query } from '@nestjs/common';
import { Allow } from '../../core/authorization/allow.decorator';
import { AuditService } from '../audit/audit.service';
import { ComplianceErrorCode, ComplianceException } from './compliance.exception';
import { ComplianceReportsService } from './services/compliance-reports.service';
import { RateLimitClass } from '../../core/rate-limit/rate-class';

@Controller('reports')
export class ReportsController {
  constructor(
    private readonly reports: ComplianceReportsService,
    private readonly audit: AuditService,
  ) {}

  /** The compliance report as CSV (an export: audited). */
  @Allow('export', 'Report')
  @RateLimitClass('sensitive')
  @Get('compliance.csv')
  @Header('content-type', 'text/csv; charset=utf-8')
  @Header('content-disposition', 'attachment; filename="compliance.csv"')
  async csv(@Query('from') from?: string, @Query('to') to?: string): Promise<string> {
    const range = parseRange(from, to);
    const report = await this.reports.report(range.from, range.to);
    await this.audit.record({
      action: 'report.exported',
      resourceType: 'Report',
      resourceId: 'compliance',
      changes: { from: range.from, to: range.to },
    });
    return this.reports.toCsv(report);
  }
}

export function parseRange(from?: string, to?: string): { from: Date; to: Date } {
  const end = to ? new Date(to) : new Date();
  const start = from ? new Date(from) : new Date(end.getTime() - 30 * 86400_000);
  if (
    Number.isNaN(start.getTime()) ||
    Number.isNaN(end.getTime()) ||
    start >= end ||
    end.getTime() - start.getTime() > 366 * 86400_000
  ) {
    throw new ComplianceException(
      ComplianceErrorCode.INVALID_ADDRESS,
      'from and to are ISO dates, from < to, at most a year apart',
    );
  }
  return { from: start, to: end };
}
