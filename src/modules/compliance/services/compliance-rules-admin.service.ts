import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { ComplianceErrorCode, ComplianceException } from '../compliance.exception';
import type { RuleSet } from '../rules/types';
import { ComplianceFactsService, RULES_SETTING } from './compliance-facts.service';
import { DecisionRecordsService } from './decision-records.service';
import { HHMM, ISO_DAY } from '../../../core/validation/patterns';

const CHANNELS = ['call', 'sms', 'email'];
const PURPOSES = ['collection', 'marketing'];
const RESIDENCE = ['address', 'zip', 'area_code'];

/** Admins edit the rule set as data; each edit is validated, versioned and audited. */
@Injectable()
export class ComplianceRulesAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly facts: ComplianceFactsService,
    private readonly audit: AuditService,
    private readonly decisions: DecisionRecordsService,
  ) {}

  async update(json: string): Promise<RuleSet> {
    const rules = this.validate(json);
    await this.dataSource.transaction(async (m) => {
      const before = await this.facts.ruleSet();
      await m.query(
        'INSERT INTO app_settings (`key`, value, version, updated_by) VALUES (?, ?, 1, NULL) ON DUPLICATE KEY UPDATE value = VALUES(value), version = version + 1',
        [RULES_SETTING, JSON.stringify(rules)],
      );
      await this.audit.record(
        {
          action: 'compliance.rules_changed',
          resourceType: 'Settings',
          resourceId: RULES_SETTING,
          changes: { before: { version: before.version }, after: { version: rules.version } },
        },
        m,
      );
    });
    this.facts.forgetRuleSet();
    // Every edit is a new read-only version at once (decisions name it by number and hash).
    await this.decisions.versionOf(rules);
    return rules;
  }

  private validate(json: string): RuleSet {
    const bad = (message: string) =>
      new ComplianceException(ComplianceErrorCode.INVALID_RULES, message);
    // A law names the section that states it; house policy names none (and says so by its kind).
    const citedByKind = (x: Record<string, unknown>) => {
      const kind = x.kind ?? (x.jurisdiction === 'house' ? 'house' : 'law');
      if (kind !== 'law' && kind !== 'house') throw bad(`${String(x.id)}: kind is law or house`);
      if (kind === 'law' && !(typeof x.citation === 'string' && x.citation.trim()))
        throw bad(`${String(x.id)}: a law needs its citation`);
      if (kind === 'house' && x.citation !== undefined && x.citation !== null)
        throw bad(`${String(x.id)}: house policy carries no statute citation`);
    };
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      throw bad('rules must be JSON');
    }
    const r = raw as Partial<RuleSet>;
    if (
      !r ||
      typeof r.version !== 'string' ||
      !Array.isArray(r.hours) ||
      !Array.isArray(r.caps) ||
      !Array.isArray(r.gaps) ||
      !Array.isArray(r.cooldowns) ||
      !Array.isArray(r.consentRequired)
    ) {
      throw bad('rules need version, hours, caps, gaps, cooldowns and consentRequired');
    }
    const base = (x: Record<string, unknown>, kind: string) => {
      if (typeof x.id !== 'string' || !x.id) throw bad(`every ${kind} rule needs an id`);
      if (typeof x.jurisdiction !== 'string' || !/^(US|house|[A-Z]{2})$/.test(x.jurisdiction))
        throw bad(`${x.id}: jurisdiction is US, house or a state`);
      citedByKind(x);
      if (
        x.residence !== undefined &&
        !(
          Array.isArray(x.residence) &&
          x.residence.length > 0 &&
          x.residence.every((e) => RESIDENCE.includes(e as string))
        )
      )
        throw bad(`${x.id}: residence lists address, zip and/or area_code`);
      if (!Array.isArray(x.purposes) || !x.purposes.every((p) => PURPOSES.includes(p as string)))
        throw bad(`${x.id}: purposes`);
      if (!Array.isArray(x.channels) || !x.channels.every((c) => CHANNELS.includes(c as string)))
        throw bad(`${x.id}: channels`);
      for (const k of ['effectiveFrom', 'effectiveTo'])
        if (x[k] != null && !(typeof x[k] === 'string' && ISO_DAY.test(x[k]))) {
          throw bad(`${x.id}: ${k} is YYYY-MM-DD`);
        }
    };
    for (const h of r.hours as unknown as Record<string, unknown>[]) {
      base(h, 'hours');
      if (
        !HHMM.test(String(h.start)) ||
        !HHMM.test(String(h.end)) ||
        String(h.start) >= String(h.end)
      )
        throw bad(`${String(h.id)}: start < end, HH:mm`);
      // No edit may open a window wider than the federal 08:00-21:00.
      if (h.jurisdiction === 'US' && (String(h.start) < '08:00' || String(h.end) > '21:00'))
        throw bad(`${String(h.id)}: federal hours cannot go beyond 08:00-21:00`);
    }
    for (const c of r.caps as unknown as Record<string, unknown>[]) {
      base(c, 'cap');
      const hours = c.windowHours !== undefined;
      const days = c.windowDays !== undefined;
      if (
        !Number.isInteger(c.max) ||
        (c.max as number) < 0 ||
        hours === days ||
        (hours && !(Number(c.windowHours) > 0)) ||
        (days && !(Number.isInteger(c.windowDays) && (c.windowDays as number) > 0))
      )
        throw bad(`${String(c.id)}: max, and windowHours or windowDays (one of them)`);
    }
    for (const g of r.gaps as unknown as Record<string, unknown>[]) {
      base(g, 'gap');
      if (!(Number(g.minGapHours) >= 0)) throw bad(`${String(g.id)}: minGapHours`);
    }
    for (const c of r.cooldowns as unknown as Record<string, unknown>[]) {
      base(c, 'cooldown');
      const hours = c.hoursAfterConversation !== undefined;
      const days = c.daysAfterConversation !== undefined;
      if (
        hours === days ||
        (hours && !(Number(c.hoursAfterConversation) >= 0)) ||
        (days &&
          !(Number.isInteger(c.daysAfterConversation) && (c.daysAfterConversation as number) >= 1))
      )
        throw bad(`${String(c.id)}: hoursAfterConversation or daysAfterConversation (one of them)`);
    }
    for (const c of r.consentRequired as unknown as Record<string, unknown>[]) {
      if (typeof c.id !== 'string' || !c.id) throw bad('every consent rule needs an id');
      citedByKind({ ...c, jurisdiction: 'US' });
    }
    const ids = [...r.hours, ...r.caps, ...r.gaps, ...r.cooldowns].map((x) => x.id);
    if (new Set(ids).size !== ids.length) throw bad('rule ids must be unique');
    if (!r.hours.some((h) => h.jurisdiction === 'US' && h.purposes.includes('collection')))
      throw bad('the federal collection hours rule cannot be removed');
    return r as RuleSet;
  }
}
