import type { WebFeature } from './feature.ts';
import { alertingFeature } from '../features/alerting/feature.ts';
import { auditFeature } from '../features/audit/feature.ts';
import { catalogFeature } from '../features/catalog/feature.ts';
import { changesFeature } from '../features/changes/feature.ts';
import { homeFeature } from '../features/home/feature.ts';
import { identityFeature } from '../features/identity/feature.ts';
import { inboxFeature } from '../features/inbox/feature.ts';
import { incidentsFeature } from '../features/incidents/feature.ts';
import { onCallFeature } from '../features/oncall/feature.ts';
import { postmortemsFeature } from '../features/postmortems/feature.ts';
import { resourcesFeature } from '../features/resources/feature.ts';
import { surveysFeature } from '../features/surveys/feature.ts';
import { telemetryFeature } from '../features/telemetry/feature.ts';

/**
 * Every feature of the UI, one folder each under src/web/features (mirroring the server's modules).
 * A new capability adds its folder with a feature.ts and one line here: its pages, navigation links
 * and service-page tabs follow.
 */
export const features: WebFeature[] = [homeFeature, inboxFeature, catalogFeature, changesFeature, resourcesFeature, identityFeature, auditFeature, telemetryFeature, alertingFeature, onCallFeature, incidentsFeature, postmortemsFeature, surveysFeature];
