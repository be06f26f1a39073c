import { useEffect, useMemo, useState } from 'react';
import {
  Button,
  Dialog,
  FlexBox,
  Label,
  MessageStrip,
  ShellBar,
  ShellBarItem,
  SideNavigation,
  SideNavigationItem,
  Text,
  TextArea,
  Bar,
} from '@ui5/webcomponents-react';
import '@ui5/webcomponents-icons/dist/home.js';
import '@ui5/webcomponents-icons/dist/action-settings.js';
import '@ui5/webcomponents-icons/dist/connected.js';
import '@ui5/webcomponents-icons/dist/it-system.js';
import '@ui5/webcomponents-icons/dist/group.js';
import '@ui5/webcomponents-icons/dist/history.js';
import '@ui5/webcomponents-icons/dist/message-error.js';
import '@ui5/webcomponents-icons/dist/shield.js';
import '@ui5/webcomponents-icons/dist/key.js';
import '@ui5/webcomponents-icons/dist/globe.js';
import '@ui5/webcomponents-icons/dist/log.js';
import '@ui5/webcomponents-icons/dist/menu2.js';
import { api, ApiError, setBearer } from './api.js';
import { sessionFromToken, storeToken, storedToken, takeTokenFromUrl, type Session } from './auth.js';
import { AppContext } from './app-context.js';
import { applyLanguage, I18nContext, initialLanguage, translator, type Language } from './i18n.js';
import { navigate, screenFromLocation, type ScreenKey } from './routes.js';
import { OverviewScreen } from './screens/overview.js';
import { SettingsScreen } from './screens/settings.js';
import { EnvironmentsScreen } from './screens/environments.js';
import { UsersScreen } from './screens/users.js';
import { JournalScreen } from './screens/journal.js';
import { DeadLettersScreen } from './screens/dead-letters.js';
import { SafetyValveScreen } from './screens/safety-valve.js';
import { CredentialsScreen } from './screens/credentials.js';
import { S4Screen } from './screens/s4.js';

const NAVIGATION: Array<{ key: ScreenKey; icon: string }> = [
  { key: 'overview', icon: 'home' },
  { key: 'settings', icon: 'action-settings' },
  { key: 'environments', icon: 'connected' },
  { key: 's4', icon: 'it-system' },
  { key: 'users', icon: 'group' },
  { key: 'journal', icon: 'history' },
  { key: 'dead-letters', icon: 'message-error' },
  { key: 'safety-valve', icon: 'shield' },
  { key: 'credentials', icon: 'key' },
];

type Auth = { state: 'checking' } | { state: 'signed-in'; session: Session } | { state: 'needs-token'; error?: string };

/**
 * Works out who is signed in: a token from the URL or this tab's storage, else the approuter's
 * session (a call without Authorization succeeds), else the paste-a-token dialog.
 */
async function resolveAuth(): Promise<Auth> {
  const token = takeTokenFromUrl() ?? storedToken();
  if (token) {
    const session = sessionFromToken(token);
    if (session) {
      setBearer(token);
      return { state: 'signed-in', session };
    }
    storeToken(undefined);
    return { state: 'needs-token', error: 'invalid' };
  }
  setBearer(undefined);
  try {
    await api('GET', '/status');
  } catch (error) {
    return {
      state: 'needs-token',
      ...(error instanceof ApiError && error.status !== 401 ? { error: error.message } : {}),
    };
  }
  // Behind the approuter the token is not ours to read: an Admin-only read tells the roles apart.
  const admin = await api('GET', '/callback-credentials').then(
    () => true,
    () => false,
  );
  return { state: 'signed-in', session: { scopes: admin ? ['Admin', 'Support'] : ['Support'], user: '' } };
}

function useNarrow(width: number): boolean {
  const query = `(max-width: ${width}px)`;
  const [narrow, setNarrow] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const onChange = () => setNarrow(list.matches);
    list.addEventListener('change', onChange);
    return () => list.removeEventListener('change', onChange);
  }, [query]);
  return narrow;
}

export function App() {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const t = useMemo(() => translator(language), [language]);
  const [screen, setScreen] = useState<ScreenKey>(screenFromLocation);
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });
  const [tokenDialog, setTokenDialog] = useState(false);
  const [pasted, setPasted] = useState('');
  const narrow = useNarrow(1023);
  const [navCollapsed, setNavCollapsed] = useState(narrow);

  useEffect(() => {
    applyLanguage(language);
  }, [language]);
  useEffect(() => {
    setNavCollapsed(narrow);
  }, [narrow]);
  useEffect(() => {
    void resolveAuth().then(setAuth);
  }, []);
  useEffect(() => {
    const onPop = () => setScreen(screenFromLocation());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  useEffect(() => {
    document.title = `${t(`nav.${screen}`)} – Tandem`;
  }, [screen, t]);

  const signIn = () => {
    const session = sessionFromToken(pasted.trim());
    if (!session) {
      setAuth({ state: 'needs-token', error: 'invalid' });
      return;
    }
    storeToken(pasted.trim());
    setBearer(pasted.trim());
    setAuth({ state: 'signed-in', session });
    setTokenDialog(false);
    setPasted('');
  };
  const session = auth.state === 'signed-in' ? auth.session : undefined;
  const canEdit = session?.scopes.includes('Admin') ?? false;
  const showTokenDialog = tokenDialog || auth.state === 'needs-token';

  return (
    <I18nContext.Provider value={{ language, t }}>
      <FlexBox direction="Column" style={{ height: '100%' }}>
        <ShellBar
          primaryTitle="Tandem"
          secondaryTitle={t('app.subtitle')}
          showNotifications={false}
          startButton={
            <Button
              icon="menu2"
              design="Transparent"
              tooltip={t('app.toggleNavigation')}
              onClick={() => setNavCollapsed((c) => !c)}
              data-testid="nav-toggle"
            />
          }
        >
          <ShellBarItem
            icon="globe"
            text={language === 'de' ? 'English' : 'Deutsch'}
            data-testid="language-switch"
            stable-dom-ref="language-switch"
            onClick={() => setLanguageState(language === 'de' ? 'en' : 'de')}
          />
          <ShellBarItem
            icon="log"
            text={t('auth.changeToken')}
            onClick={() => setTokenDialog(true)}
            data-testid="token-button"
            stable-dom-ref="token-button"
          />
        </ShellBar>
        <FlexBox style={{ flex: '1 1 auto', minHeight: 0 }}>
          <SideNavigation
            collapsed={navCollapsed}
            data-testid="side-navigation"
            style={{ height: '100%', flex: '0 0 auto' }}
            onSelectionChange={(event) => {
              const key = (event.detail.item as HTMLElement).dataset.key as ScreenKey;
              navigate(key);
            }}
          >
            {NAVIGATION.map((item) => (
              <SideNavigationItem
                key={item.key}
                data-key={item.key}
                data-testid={`nav-${item.key}`}
                icon={item.icon}
                text={t(`nav.${item.key}`)}
                selected={screen === item.key}
              />
            ))}
          </SideNavigation>
          <main
            style={{
              flex: '1 1 auto',
              minWidth: 0,
              overflow: 'auto',
              padding: narrow ? '0.75rem' : '1rem 1.5rem',
              boxSizing: 'border-box',
            }}
          >
            {session && !canEdit && (
              <MessageStrip
                design="Information"
                hideCloseButton
                data-testid="read-only-notice"
                style={{ marginBottom: '0.75rem' }}
              >
                {t('auth.readOnly')}
              </MessageStrip>
            )}
            {auth.state === 'checking' && <Text>{t('app.loading')}</Text>}
            {session && (
              <AppContext.Provider value={{ session, canEdit }}>
                <div key={screen} data-testid={`screen-${screen}`}>
                  {screen === 'overview' && <OverviewScreen />}
                  {screen === 'settings' && <SettingsScreen />}
                  {screen === 'environments' && <EnvironmentsScreen />}
                  {screen === 's4' && <S4Screen />}
                  {screen === 'users' && <UsersScreen />}
                  {screen === 'journal' && <JournalScreen />}
                  {screen === 'dead-letters' && <DeadLettersScreen />}
                  {screen === 'safety-valve' && <SafetyValveScreen />}
                  {screen === 'credentials' && <CredentialsScreen />}
                </div>
              </AppContext.Provider>
            )}
          </main>
        </FlexBox>
      </FlexBox>
      <Dialog
        open={showTokenDialog}
        headerText={t('auth.title')}
        data-testid="token-dialog"
        onClose={() => setTokenDialog(false)}
        footer={
          <Bar
            endContent={
              <>
                <Button design="Emphasized" onClick={signIn} data-testid="token-sign-in">
                  {t('auth.signIn')}
                </Button>
                {auth.state === 'signed-in' && (
                  <Button design="Transparent" onClick={() => setTokenDialog(false)}>
                    {t('common.cancel')}
                  </Button>
                )}
              </>
            }
          />
        }
      >
        <FlexBox direction="Column" style={{ gap: '0.5rem', maxWidth: '32rem' }}>
          <Text>{t('auth.explain')}</Text>
          {auth.state === 'needs-token' && auth.error && (
            <MessageStrip design="Negative" hideCloseButton>
              {auth.error === 'invalid' ? t('auth.invalid') : auth.error}
            </MessageStrip>
          )}
          <Label for="token-input" required>
            {t('auth.token')}
          </Label>
          <TextArea
            id="token-input"
            data-testid="token-input"
            rows={4}
            value={pasted}
            onInput={(event) => setPasted(event.target.value)}
          />
        </FlexBox>
      </Dialog>
    </I18nContext.Provider>
  );
}
