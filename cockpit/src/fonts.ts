/**
 * The SAP 72 font served with the cockpit instead of from cdn.jsdelivr.net, where UI5 Web Components
 * fetch it by default: customers' networks and CSPs often block third-party hosts, and an admin tool
 * should not tell a CDN who uses it. UI5's own @font-face rules are reused with the URLs swapped.
 */
import { setDefaultFontLoading } from '@ui5/webcomponents-base/dist/config/Fonts.js';
import fontFaces from '@ui5/webcomponents-base/dist/generated/css/FontFace.css.js';
import f0 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-Regular.woff2?url';
import f1 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-Regular-full.woff2?url';
import f2 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-Bold.woff2?url';
import f3 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-Bold-full.woff2?url';
import f4 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-Semibold.woff2?url';
import f5 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-Semibold-full.woff2?url';
import f6 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-SemiboldDuplex.woff2?url';
import f7 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-SemiboldDuplex-full.woff2?url';
import f8 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-Light.woff2?url';
import f9 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-Light-full.woff2?url';
import f10 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-Black.woff2?url';
import f11 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-Black-full.woff2?url';
import f12 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-BoldItalic.woff2?url';
import f13 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-BoldItalic-full.woff2?url';
import f14 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-Condensed.woff2?url';
import f15 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-Condensed-full.woff2?url';
import f16 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-CondensedBold.woff2?url';
import f17 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-CondensedBold-full.woff2?url';
import f18 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-Italic.woff2?url';
import f19 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72-Italic-full.woff2?url';
import f20 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72Mono-Regular.woff2?url';
import f21 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72Mono-Regular-full.woff2?url';
import f22 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72Mono-Bold.woff2?url';
import f23 from '@sap-theming/theming-base-content/content/Base/baseLib/baseTheme/fonts/72Mono-Bold-full.woff2?url';

const BUNDLED: Record<string, string> = {
  '72-Regular.woff2': f0,
  '72-Regular-full.woff2': f1,
  '72-Bold.woff2': f2,
  '72-Bold-full.woff2': f3,
  '72-Semibold.woff2': f4,
  '72-Semibold-full.woff2': f5,
  '72-SemiboldDuplex.woff2': f6,
  '72-SemiboldDuplex-full.woff2': f7,
  '72-Light.woff2': f8,
  '72-Light-full.woff2': f9,
  '72-Black.woff2': f10,
  '72-Black-full.woff2': f11,
  '72-BoldItalic.woff2': f12,
  '72-BoldItalic-full.woff2': f13,
  '72-Condensed.woff2': f14,
  '72-Condensed-full.woff2': f15,
  '72-CondensedBold.woff2': f16,
  '72-CondensedBold-full.woff2': f17,
  '72-Italic.woff2': f18,
  '72-Italic-full.woff2': f19,
  '72Mono-Regular.woff2': f20,
  '72Mono-Regular-full.woff2': f21,
  '72Mono-Bold.woff2': f22,
  '72Mono-Bold-full.woff2': f23,
};

export function loadBundledFonts(): void {
  setDefaultFontLoading(false);
  // Keep only the woff2 source of each rule (every browser the cockpit supports reads woff2), pointed at our copy.
  const css = fontFaces
    .replace(/url\([^)]*\/fonts\/([A-Za-z0-9-]+\.woff2)\)/g, (match, file: string) =>
      BUNDLED[file] ? `url(${BUNDLED[file]})` : match,
    )
    .replace(/,url\([^)]*\.woff\) format\("woff"\)/g, '');
  const style = document.createElement('style');
  style.dataset.ui5FontFace = 'bundled';
  style.textContent = css;
  document.head.appendChild(style);
}
