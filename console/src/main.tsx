import { render } from 'preact';
import { loadConfig } from './config';
import { App } from './app';
import './styles.css';

const root = document.getElementById('app')!;
loadConfig()
  .then(() => render(<App />, root))
  .catch(() => {
    root.textContent = 'Konsol tidak dapat dimuat (config.json tidak terbaca). Hubungi admin.';
  });
