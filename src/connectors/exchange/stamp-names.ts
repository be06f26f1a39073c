/**
 * The one definition of where Tandem's stamp lives in a mailbox, shared by the EWS and the Graph
 * backend: both address the same MAPI named properties (property set + name), so an item stamped
 * through EWS is found through Graph and vice versa — what keeps links when an environment switches
 * from EWS to Graph. A property set of our own rather than PS_PUBLIC_STRINGS, so no other
 * application's property of the same name can collide.
 */
export const TANDEM_PROPERTY_SET_ID = 'c5b7e2a4-3f1d-4e8b-9a6c-2d7f0e1b8a53';
export const S4_KEY_PROPERTY_NAME = 'TandemS4Key';
export const HASH_PROPERTY_NAME = 'TandemHash';
