// The compliance module's public surface besides its services and Nest module.
export { ConsentSource } from './entities/consent.entity';
export { notSendableReason, registrationProblems } from './rules/ten-dlc';
export { phoneRegionOf, phoneZonesOf, zipInfo } from './rules/zones';
export type { ContactRequest } from './services/compliance-facts.service';
export type { ContactChannel, ContactPurpose, Decision } from './rules/types';
export { messageContext, screenContent, worstSeverity } from './rules/content-screen';
export type { ScreenContext, ScreenFinding } from './rules/content-screen';
export type { SendEta } from './rules/throughput';
