import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ThemeProvider } from '@ui5/webcomponents-react';
import { setTheme } from '@ui5/webcomponents-base/dist/config/Theme.js';
// Translations of the UI5 controls themselves (German month names, "Cancel", …) and CLDR data.
import '@ui5/webcomponents/dist/Assets.js';
import '@ui5/webcomponents-fiori/dist/Assets.js';
import '@ui5/webcomponents-react/dist/Assets.js';
import { setLanguage } from '@ui5/webcomponents-base/dist/config/Language.js';
import { App } from './App.js';
import { loadBundledFonts } from './fonts.js';
import { initialLanguage } from './i18n.js';

loadBundledFonts();

// Theme and language are settled before the first render: UI5 controls read their texts
// from the language's bundle, and switching it under a rendering control can leave it without one.
void Promise.all([setTheme('sap_horizon'), setLanguage(initialLanguage())]).finally(() => {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <ThemeProvider>
        <App />
      </ThemeProvider>
    </StrictMode>,
  );
});
