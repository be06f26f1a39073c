export { createGraphConnector, type GraphConnectorDeps } from './graph-connector.js';
export { lifecycleRecovery, parseGraphNotifications, type GraphNotification, type LifecycleEvent } from './notification-parser.js';
