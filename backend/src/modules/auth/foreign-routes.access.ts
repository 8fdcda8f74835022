import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { HealthController } from '../health/health.controller';
import { Public, PublicOnLoopback, Roles } from './access.decorators';

/**
 * Access declarations for controllers whose source is not ours to decorate (a library's) or that
 * predate the access guard. Applied once when this module loads.
 */
// Probes must work without credentials (orchestrators have none); they reveal only up/down.
Public()(HealthController);
// Prometheus scrapes from loopback (a sidecar) without credentials; elsewhere it needs a viewer key.
Roles('viewer')(PrometheusController);
PublicOnLoopback()(PrometheusController);
