import { randomUUID } from 'node:crypto';
import type { ServiceDef } from './model.js';

/**
 * An error the emulator answers the way SAP Gateway does: an HTTP status and the Gateway error
 * JSON `{ error: { code, message: { lang, value }, innererror: { …, errordetails } } }`.
 * Codes are the /IWBEP/ message ids Gateway uses where we know them; see docs/emulators-s4.md.
 */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const gatewayErrors = {
  notFound: (segment: string) =>
    new GatewayError(404, '/IWBEP/CM_MGW_RT/020', `Resource not found for segment '${segment}'`),
  badRequest: (message: string, code = '/IWBEP/CM_MGW_RT/021') => new GatewayError(400, code, message),
  business: (message: string, code: string) => new GatewayError(400, code, message),
  methodNotAllowed: (method: string) =>
    new GatewayError(405, '/IWBEP/CM_MGW_RT/003', `Method '${method}' not allowed for this resource`),
  preconditionFailed: () =>
    new GatewayError(
      412,
      '/IWBEP/CM_MGW_RT/022',
      'Entity has been changed by another user (ETag mismatch); read it again',
    ),
  preconditionRequired: () =>
    new GatewayError(428, '/IWBEP/CM_MGW_RT/041', 'Precondition required: the If-Match header is missing'),
  conflict: (message: string) => new GatewayError(409, '/IWBEP/CM_MGW_RT/025', message),
};

export function gatewayErrorBody(error: GatewayError, service: ServiceDef | undefined): unknown {
  const now = new Date()
    .toISOString()
    .replace(/[-:TZ]/g, '')
    .replace('.', '.')
    .slice(0, 18);
  return {
    error: {
      code: error.code,
      message: { lang: 'en', value: error.message },
      innererror: {
        application: service
          ? {
              component_id: service.componentId,
              service_namespace: '/SAP/',
              service_id: service.name,
              service_version: '0001',
            }
          : undefined,
        transactionid: randomUUID().replace(/-/g, '').toUpperCase(),
        timestamp: `${now}0`,
        Error_Resolution: {
          SAP_Transaction:
            'For backend administrators: use ADT feed reader "SAP Gateway Error Log" or run transaction /IWFND/ERROR_LOG on SAP Gateway hub system and search for entries with the timestamp above for more details',
          SAP_Note: 'See SAP Note 1797736 for error analysis (https://service.sap.com/sap/support/notes/1797736)',
        },
        errordetails: [
          {
            code: error.code,
            message: error.message,
            propertyref: '',
            severity: 'error',
            target: '',
            transition: false,
          },
        ],
      },
    },
  };
}
