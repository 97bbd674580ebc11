import { startApp } from './app.js';
import { initTheme } from './components/theme-toggle.js';

initTheme();
const root = document.getElementById('app');
if (root) startApp(root);
