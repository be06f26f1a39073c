import { createContext, useContext } from 'react';
import type { Session } from './auth.js';

export interface AppContextValue {
  session: Session;
  /** Admins edit; Support reads. The API enforces the same rule (403). */
  canEdit: boolean;
}
export const AppContext = createContext<AppContextValue>({ session: { scopes: [], user: '' }, canEdit: false });
export const useApp = () => useContext(AppContext);
