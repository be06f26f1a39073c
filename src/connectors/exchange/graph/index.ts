export { createGraphConnector, type GraphConnectorDeps, type MailboxDirectory } from './graph-connector.js';
export {
  lifecycleRecovery,
  parseGraphNotifications,
  type GraphNotification,
  type LifecycleEvent,
} from './notification-parser.js';
