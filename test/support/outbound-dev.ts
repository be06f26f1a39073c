import { setOutboundPolicy } from '../../src/security/outbound.js';

/**
 * Tests talk to emulators on http://127.0.0.1, as AUTH_MODE=dev allows. The service's own
 * default without configuration is the strict policy; tests of the strict policy set it themselves
 * (or start `web` with a non-dev configuration, which sets it from the configuration).
 */
setOutboundPolicy({ mode: 'dev', allowed: [], destinationsOnly: false });
