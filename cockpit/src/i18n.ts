import { createContext, useContext } from 'react';
import { setLanguage } from '@ui5/webcomponents-base/dist/config/Language.js';
import de from './i18n/de.json';
import en from './i18n/en.json';

export type Language = 'en' | 'de';
type Bundle = Record<string, string>;
const BUNDLES: Record<Language, Bundle> = { en, de };
const LANGUAGE_KEY = 'tandem.cockpit.language';

/** `?lang=` (for links and tests), then the user's last choice, then the browser's language. */
export function initialLanguage(): Language {
  const fromUrl = new URLSearchParams(window.location.search).get('lang');
  const candidates = [fromUrl, localStorage.getItem(LANGUAGE_KEY), ...navigator.languages];
  for (const candidate of candidates) {
    const short = candidate?.slice(0, 2).toLowerCase();
    if (short === 'de' || short === 'en') return short;
  }
  return 'en';
}

export function applyLanguage(language: Language): void {
  localStorage.setItem(LANGUAGE_KEY, language);
  document.documentElement.lang = language;
  void setLanguage(language);
}

export type Translate = (key: string, params?: Record<string, string | number>) => string;

export function translator(language: Language): Translate {
  const bundle = BUNDLES[language];
  return (key, params) => {
    const text = bundle[key] ?? (en as Bundle)[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (_m, name: string) => String(params[name] ?? `{${name}}`)) : text;
  };
}

/** The translation of a key if it exists, else undefined (for optional texts such as reason codes). */
export function has(language: Language, key: string): boolean {
  return key in BUNDLES[language] || key in en;
}

export const I18nContext = createContext<{ language: Language; t: Translate }>({ language: 'en', t: translator('en') });
export const useI18n = () => useContext(I18nContext);
