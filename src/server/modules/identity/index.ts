export { createIdentityService, defaultIdentitySettings, type IdentityService, type IdentitySettings } from './identity.service.ts';
export { identityRoutes } from './identity.routes.ts';
