import { createRouter, createWebHashHistory } from 'vue-router';
import PeopleView from './views/PeopleView.vue';
import ActivityView from './views/ActivityView.vue';
import AlertsView from './views/AlertsView.vue';
import SettingsView from './views/SettingsView.vue';
import ConnectionsView from './views/ConnectionsView.vue';
import AuditView from './views/AuditView.vue';
import LocationsView from './views/LocationsView.vue';

// Hash history: the same build is loaded from file:// in Electron and from the browser host.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/people' },
    { path: '/people', name: 'people', component: PeopleView, meta: { title: 'People' } },
    { path: '/activity', name: 'activity', component: ActivityView, meta: { title: 'Activity' } },
    { path: '/alerts', name: 'alerts', component: AlertsView, meta: { title: 'Alerts' } },
    // One record for both tabs, so the header's Locations link stays lit on the events tab.
    {
      path: '/locations/:tab(events)?',
      name: 'locations',
      component: LocationsView,
      props: (r) => ({ tab: r.params.tab === 'events' ? 'events' : 'locations' }),
      meta: { title: 'Locations' },
    },
    { path: '/audit', name: 'audit', component: AuditView, meta: { title: 'Audit' } },
    { path: '/connections', name: 'connections', component: ConnectionsView, meta: { title: 'Connections' } },
    { path: '/settings', name: 'settings', component: SettingsView, meta: { title: 'Sync settings' } },
    { path: '/:rest(.*)*', redirect: '/people' },
  ],
});

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? 'Rollcall')} · Rollcall`;
});
