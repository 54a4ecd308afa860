// The outreach module's public surface besides its services and Nest module.
export { CampaignStatus } from './entities/campaign.entity';
