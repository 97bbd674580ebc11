import type { Page, PageServices } from '../page.js';
import type { Route } from '../router.js';
import { alertsPage } from './alerts.js';
import { flowsPage } from './flows.js';
import { mapPage } from './map.js';
import { overviewPage } from './overview.js';
import { placeholderPage } from './placeholder.js';
import { requestDetailPage } from './request-detail.js';
import { requestsPage } from './requests.js';
import { servicePage } from './service.js';

export function createPage(route: Route, services: PageServices): Page {
  switch (route.page) {
    case 'overview': return overviewPage();
    case 'map': return mapPage();
    case 'service': return servicePage(route.param);
    case 'requests': return requestsPage(route, services);
    case 'request': return requestDetailPage(route.param);
    case 'flows': return flowsPage();
    case 'alerts': return alertsPage();
    case 'profiles': return placeholderPage('profiles', 'Profiles', 'CPU and off-CPU profiles are not collected yet.',
      'When profiling lands, flame graphs per service will appear here, over the same time range as the rest of the UI.');
    case 'system': return placeholderPage('system', 'System', 'Host and process metrics are not collected yet.',
      'CPU, memory, disk and network per process will appear here, next to the services they belong to.');
  }
}
