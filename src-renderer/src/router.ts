import { createRouter, createWebHashHistory } from 'vue-router';
import PeopleView from './views/PeopleView.vue';
import ActivityView from './views/ActivityView.vue';
import AlertsView from './views/AlertsView.vue';
import SettingsView from './views/SettingsView.vue';

// Hash history: the same build is loaded from file:// in Electron and from the browser host.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/people' },
    { path: '/people', name: 'people', component: PeopleView, meta: { title: 'People' } },
    { path: '/activity', name: 'activity', component: ActivityView, meta: { title: 'Activity' } },
    { path: '/alerts', name: 'alerts', component: AlertsView, meta: { title: 'Alerts' } },
    { path: '/settings', name: 'settings', component: SettingsView, meta: { title: 'Sync settings' } },
    { path: '/:rest(.*)*', redirect: '/people' },
  ],
});

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? 'Rollcall')} · Rollcall`;
});
