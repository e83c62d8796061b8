export { KindRegistry, type KindDefinition, type WriteContext } from './kinds.ts';
export { createResourceService, type ResourceService } from './resources.service.ts';
export { resourceRoutes } from './resources.routes.ts';
