// Every page, as the people who use it: the flows of the sharing exchange, the certificate
// library and the audit log through the pages only, then every page in the server's route list
// at 1280 and 390 px wide, in Chinese and English, failing on sideways scrolling and on axe-core's
// WCAG 2.1 AA rules. The server runs on a random port, so the QR code test also shows that links
// carry the address the server really has.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const jsqrSource = readFileSync(require.resolve('jsqr/dist/jsQR.js'), 'utf8');

const root = resolve(import.meta.dirname, '../..');
const binary = process.env.YICI_BIN ?? join(root, 'target/debug/yici');
const port = 20000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
const data = mkdtempSync(join(tmpdir(), 'yici-browser-pages-'));
const CITIZEN = { number: '11010519491231002X', name: '张三' };
const POLICE_STEWARD = { username: 'police.steward', name: '公安数据管理员', password: 'Police-Steward-2026' };
let server;
let browser;
let creds;

/** What the flows made, for the page check: ids of a request, a certificate, and so on. */
const made = {};

before(async () => {
  server = spawn(binary, ['serve', '--demo', '--data', data, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  creds = JSON.parse(readFileSync(join(data, 'demo-credentials.json'), 'utf8'));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  rmSync(data, { recursive: true, force: true });
});

function password(role) {
  return creds.users.find((u) => u.role === role).password;
}

async function signIn(page, username, pass) {
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(pass);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => new URL(u).pathname === '/');
}

async function signInCitizen(page) {
  await page.goto(`${base}/login/applicant`);
  await page.getByLabel('证件号码').fill(CITIZEN.number);
  await page.getByLabel('姓名或单位名称').fill(CITIZEN.name);
  await page.getByRole('button', { name: '实名核验并登录' }).click();
  await page.waitForURL((u) => new URL(u).pathname === '/');
}

/** A signed-in browser context for a role (`anonymous`, `citizen`, `police`, or a demo role). */
async function contextFor(who, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  if (who === 'citizen') await signInCitizen(page);
  else if (who === 'police') await signIn(page, POLICE_STEWARD.username, POLICE_STEWARD.password);
  else if (who !== 'anonymous') await signIn(page, who, password(who));
  return { context, page };
}

const nav = (page) => page.getByRole('navigation', { name: '主导航' });

test('flow: an operator adds a police steward; the market files a sharing request from the resource page; the police grant part of it', async () => {
  // The operator gives the police department a data steward, through the admin pages.
  const { context: opContext, page: op } = await contextFor('operator');
  await nav(op).getByRole('link', { name: '用户与角色' }).click();
  await op.getByLabel('用户名').fill(POLICE_STEWARD.username);
  await op.getByLabel('姓名').fill(POLICE_STEWARD.name);
  await op.getByLabel('初始密码').fill(POLICE_STEWARD.password);
  await op.getByLabel('所属部门').selectOption({ label: '浙江省公安厅' });
  await op.getByRole('button', { name: '创建用户' }).click();
  await op.waitForURL(/\/admin\/users\/\d+/);
  await op.getByLabel('角色').selectOption('data_steward');
  await op.getByLabel('范围').selectOption({ label: '部门 浙江省公安厅' });
  await op.getByRole('button', { name: '授予' }).click();
  await op.getByRole('status').waitFor();
  await opContext.close();

  // The market regulator's steward finds the resource and asks for two of its items.
  const { context, page } = await contextFor('data_steward');
  await nav(page).getByRole('link', { name: '数据资源目录' }).click();
  await page.getByLabel('关键词').fill('人口基础信息');
  await page.getByRole('button', { name: '检索' }).click();
  await page.getByRole('link', { name: '人口基础信息', exact: true }).click();
  await page.getByRole('link', { name: '申请共享' }).click();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '申请共享');
  // Sent empty, the form comes back with every problem named, nothing lost.
  await page.getByLabel('用途（应用场景）').fill('个体工商户登记时核验经营者身份');
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /请选择应用系统/);
  assert.equal(await page.getByLabel('用途（应用场景）').inputValue(), '个体工商户登记时核验经营者身份');
  await page.getByLabel('使用数据的应用系统').selectOption({ label: '市场主体登记系统' });
  await page.getByRole('checkbox', { name: '姓名', exact: true }).check();
  await page.getByRole('checkbox', { name: '公民身份号码', exact: true }).check();
  await page.getByLabel('法律依据').fill('《市场主体登记管理条例》第十五条');
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.getByRole('status').waitFor();
  assert.match(await page.getByRole('status').innerText(), /申请已提交/);
  made.request = new URL(page.url()).pathname;
  made.resource = (await page.getByRole('link', { name: '资源的目录信息' }).getAttribute('href'));
  await context.close();

  // The police steward starts from the home page: one request waits, with its deadline.
  const police = await contextFor('police');
  const home = police.page;
  const tile = home.getByRole('link', { name: /待答复的共享申请/ });
  assert.match(await tile.innerText(), /^1\s*待答复的共享申请/);
  assert.match(await tile.innerText(), /到期/);
  await tile.click();
  await home.getByRole('link', { name: '人口基础信息' }).first().click();
  const facts = await home.locator('main').innerText();
  for (const fact of ['申请部门：浙江省市场监督管理局', '应用系统：市场主体登记系统',
    '用途：个体工商户登记时核验经营者身份', '法律依据：《市场主体登记管理条例》第十五条']) {
    assert.ok(facts.includes(fact), `${fact} on the decision page`);
  }
  // A refusal needs its reasons; then only the name is granted.
  await home.getByRole('button', { name: '拒绝' }).click();
  await home.getByRole('alert').waitFor();
  assert.match(await home.getByRole('alert').innerText(), /拒绝时必须说明理由/);
  await home.getByRole('checkbox', { name: '公民身份号码', exact: true }).uncheck();
  await home.getByRole('button', { name: '授权' }).click();
  await home.getByRole('status').waitFor();
  assert.match(await home.locator('main').innerText(), /状态：部分授权/);
  await nav(home).getByRole('link', { name: '共享授权' }).click();
  const grant = home.getByRole('row').filter({ hasText: '市场主体登记系统' }).filter({ hasText: '个体工商户登记时核验经营者身份' });
  assert.equal(await grant.count(), 1);
  assert.match(await grant.innerText(), /姓名/);
  assert.doesNotMatch(await grant.innerText(), /公民身份号码/);
  await police.context.close();
});

/** The text a QR code on the page carries, read from its picture. */
async function scanQr(page, name) {
  await page.addScriptTag({ content: jsqrSource });
  return page.getByRole('img', { name }).evaluate(async (holder) => {
    const svg = holder.querySelector('svg');
    const size = 600;
    const image = new Image();
    const xml = new XMLSerializer().serializeToString(svg);
    image.src = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(xml)))}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const g = canvas.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, size, size);
    g.drawImage(image, 40, 40, size - 80, size - 80);
    const pixels = g.getImageData(0, 0, size, size);
    return globalThis.jsQR(pixels.data, size, size)?.data ?? null;
  });
}

test('flow: the issuer issues from the list; the QR code leads anyone to the verification, on this port', async () => {
  const { context, page } = await contextFor('cert_issuer');
  await nav(page).getByRole('link', { name: '电子证照', exact: true }).click();
  await page.getByRole('navigation', { name: /签发新证照/ }).getByRole('link', { name: '食品经营许可证' }).click();
  // A malformed holder number comes back on the form, marked, the input kept.
  await page.getByLabel('持证主体证件号码').fill('91330106MA2KX0017X');
  await page.getByLabel('持证主体名称').fill('杭州一次科技有限公司');
  await page.getByLabel('经营场所').fill('浙江省杭州市西湖区文三路100号二楼');
  await page.getByLabel('主体业态').selectOption('单位食堂');
  await page.getByLabel('经营项目').fill('热食类食品制售');
  await page.getByRole('button', { name: '签发' }).click();
  await page.getByRole('alert').waitFor();
  assert.equal(await page.getByLabel('持证主体证件号码').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('经营场所').inputValue(), '浙江省杭州市西湖区文三路100号二楼');
  await page.getByLabel('持证主体证件号码').fill('91330106MA2KX0017P');
  await page.getByRole('button', { name: '签发' }).click();
  await page.waitForURL(/\/certificates\/1\.2\.156/);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '食品经营许可证');
  made.certificate = new URL(page.url()).pathname;

  const url = await scanQr(page, '扫码核验真伪');
  assert.ok(url, 'the QR code reads');
  assert.equal(new URL(url).origin, base, 'the QR code carries the address the server listens on');
  await context.close();

  const visitor = await browser.newPage();
  await visitor.goto(url);
  const verdict = await visitor.locator('.verification').innerText();
  assert.match(verdict, /有效：内容未被篡改/);
  assert.match(verdict, /食品经营许可证/);
  await visitor.close();
});

test('flow: a property transfer through the pages: applied for at the window, accepted, approved by three departments in parallel, delivered, read by the citizen', async () => {
  const signInAs = async (username) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, username, creds.users.find((u) => u.username === username).password);
    return { context, page };
  };
  // The clerk takes the application from the bundle's guide for the married buyer and the seller.
  const { context, page } = await contextFor('window_clerk');
  await page.goto(`${base}/bundles/second-hand-house`);
  await page.getByLabel('卖方是否已婚').selectOption('yes');
  await page.getByRole('button', { name: '下一步' }).click();
  await page.getByLabel(/^申请人姓名或单位名称/).fill(CITIZEN.name);
  await page.getByLabel(/^申请人证件号码/).fill(CITIZEN.number);
  assert.equal(await page.getByLabel('受理窗口所在区划代码').inputValue(), '330800');
  await page.getByLabel('共同申请人姓名').fill('李四');
  await page.getByLabel('共同申请人证件号码').fill('33010619900101123X');
  await page.getByRole('checkbox', { name: '同意', exact: true }).check();
  await page.getByRole('button', { name: '下一步：核对将共享获取的材料' }).click();
  // What will be fetched is shown before anything is submitted.
  assert.match(await page.locator('main').innerText(), /将从“不动产权证书”共享获取/);
  assert.deepEqual(await axeViolations(page), []);
  await page.getByRole('button', { name: '确认提交申请' }).click();
  await page.waitForURL(/\/cases\/\d{20}[0-9A-Z]$/);
  made.transfer = new URL(page.url()).pathname;
  assert.match(await page.locator('main').innerText(), /已共享获取/);
  // The one-time notice lists every material at once.
  assert.ok(await page.getByLabel(/^不动产权证书/).count() >= 1, 'each material in the notice form');
  assert.deepEqual(await axeViolations(page), []);
  await page.getByRole('button', { name: '受理', exact: true }).click();
  await page.waitForURL((u) => new URL(u).pathname === made.transfer);
  assert.match(await page.locator('main').innerText(), /办理中/);

  // 不动产登记, 税务 and 房管 decide at once, each from its inbox.
  for (const username of ['approver', 'approver_tax', 'approver_housing']) {
    const a = await signInAs(username);
    await a.page.goto(`${base}/tasks`);
    await a.page.getByRole('link', { name: made.transfer.split('/').pop() }).first().click();
    await a.page.getByRole('button', { name: '提交审批意见' }).click();
    await a.page.waitForURL((u) => new URL(u).pathname === made.transfer);
    await a.context.close();
  }
  await page.goto(`${base}${made.transfer}`);
  assert.match(await page.locator('main').innerText(), /准予许可/);
  await page.getByRole('button', { name: '记录送达' }).click();
  await page.waitForURL((u) => new URL(u).pathname === made.transfer);
  await context.close();

  // The buyer reads it: delivered, the new certificate among the results, one visit.
  const citizen = await contextFor('citizen');
  await citizen.page.goto(`${base}/me/cases`);
  await citizen.page.getByRole('link', { name: made.transfer.split('/').pop() }).click();
  const text = await citizen.page.locator('main').innerText();
  assert.match(text, /已送达/);
  assert.match(text, /办理结果（电子证照）/);
  assert.match(text, /1 次（最多跑一次）/);
  await citizen.context.close();
});

test('flow: the buyer rates the delivered transfer at the address its QR code carries', async () => {
  assert.ok(made.transfer, 'the transfer flow ran');
  const { context, page } = await contextFor('citizen');
  await page.goto(`${base}${made.transfer}`);
  await page.getByRole('link', { name: '评价本次服务' }).waitFor();
  await page.goto(`${base}${made.transfer}/evaluate?channel=qr`);
  await page.getByLabel('评价等级').selectOption('5');
  await page.getByLabel('评价内容').fill('一次办好，不用跑');
  await page.getByRole('button', { name: '提交评价' }).click();
  await page.waitForURL((u) => new URL(u).pathname === `${made.transfer}/evaluate`);
  const text = await page.locator('main').innerText();
  assert.match(text, /5（非常满意）/);
  assert.match(text, /窗口二维码评价/);
  assert.equal(await page.getByRole('button', { name: '提交评价' }).count(), 0, 'rated once: no form');
  await context.close();
});

test('flow: the supervisor follows a figure of the dashboard to its cases and exports a table; anyone reads the public figures', async () => {
  assert.ok(made.transfer, 'the transfer flow ran');
  const { context, page } = await contextFor('supervisor');
  await nav(page).getByRole('link', { name: '督察考核' }).click();
  await page.waitForURL((u) => new URL(u).pathname === '/supervision');
  assert.ok((await page.locator('svg[role="img"]').count()) >= 2, 'the trend and the ranking are drawn');
  assert.match(await page.locator('main').innerText(), /红黄牌/);
  await page.getByRole('link', { name: /^\d+ 办结$/ }).click();
  await page.waitForURL((u) => new URL(u).pathname === '/supervision/cases');
  const rows = page.locator('tbody tr').filter({ hasNotText: '暂无数据' });
  assert.ok((await rows.count()) >= 1, 'the concluded transfer is behind the figure');
  const csv = await page.getByRole('link', { name: /导出 CSV/ }).getAttribute('href');
  const res = await page.request.get(`${base}${csv}`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-type'], /^text\/csv/);
  const lines = (await res.text()).trim().split('\r\n');
  assert.match(lines[0], /办件编号/);
  assert.equal(lines.length, (await rows.count()) + 1, 'the CSV has the rows of the page');
  await context.close();

  const visitor = await contextFor('anonymous');
  await visitor.page.goto(`${base}/`);
  await visitor.page.getByRole('main').getByRole('link', { name: /服务绩效/ }).click();
  await visitor.page.waitForURL((u) => new URL(u).pathname === '/performance');
  const text = await visitor.page.locator('main').innerText();
  assert.match(text, /按时办结率/);
  assert.doesNotMatch(text, new RegExp(CITIZEN.number), 'no personal data');
  await visitor.context.close();
});

test('flow: an operator searches the audit log from its form', async () => {
  const { context, page } = await contextFor('operator');
  await nav(page).getByRole('link', { name: '审计日志' }).click();
  await page.getByLabel('操作').selectOption({ label: '签发证照' });
  await page.getByLabel('部门').selectOption({ label: '浙江省市场监督管理局' });
  await page.getByRole('button', { name: '查询' }).click();
  assert.equal(await page.getByRole('alert').count(), 0, 'empty optional fields are no filter');
  const rows = page.locator('tbody tr').filter({ hasNotText: '暂无数据' });
  assert.ok((await rows.count()) >= 1, 'the certificate just issued is in the log');
  for (const row of await rows.all()) assert.match(await row.innerText(), /签发证照/);
  // Today, from and to: the day is included.
  const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date());
  await page.getByLabel('起始日期').fill(today);
  await page.getByLabel('截止日期').fill(today);
  await page.getByRole('button', { name: '查询' }).click();
  assert.ok((await rows.count()) >= 1, 'a range of one day includes that day');
  assert.equal(await page.getByLabel('操作').inputValue(), 'certificate.issue', 'the choices are kept');
  // A range that ends before it starts is said by the field, the form kept.
  await page.getByLabel('起始日期').fill('2026-12-31');
  await page.getByLabel('截止日期').fill('2026-01-01');
  await page.getByRole('button', { name: '查询' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.locator('main').innerText(), /结束时间早于开始时间/);
  assert.equal(await page.getByLabel('截止日期').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('截止日期').inputValue(), '2026-01-01');
  await context.close();
});

/** Routes that are not pages people read, each with why. */
const NOT_PAGES = {
  '/login/applicant/oidc': 'sends the browser to the identity platform (not configured in the demo)',
  '/login/applicant/oidc/callback': 'where the identity platform sends the browser back',
  '/me/data-uses/{id}/proof': 'a proof file to download (JSON)',
  '/prefs': 'sets a display preference and goes back',
  '/static/yici.css': 'the stylesheet',
  '/healthz': 'operations',
  '/readyz': 'operations',
  '/metrics': 'operations',
};

/** Whether `path` is an instance of the route `template`. */
function instanceOf(template, path) {
  const t = template.split('/');
  const p = path.split('?')[0].split('/');
  return t.length === p.length && t.every((s, i) => (s.startsWith('{') ? p[i] !== '' : s === p[i]));
}

async function apiAs(role) {
  const login = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: role, password: password(role) }),
  });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const { csrf_token: csrf } = await login.json();
  return async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return res.json();
  };
}

/** The pages to open, by who opens them. */
async function visits() {
  // A resource waiting for review, and a draft of the steward's.
  const steward = await apiAs('data_steward');
  const market = (await steward('GET', '/api/v1/session')).user.department_id;
  const draft = await steward('POST', '/api/v1/catalogue/drafts', {
    classification: '102001', name: '页面检查用资源', summary: '用于检查页面', provider_department_id: market,
    format_class: 3, format_type: 'API', share_type: 1, share_mode: 1, open_type: 1, update_cycle: 3,
    sensitivity: 1, items: [{ name: '单位名称', data_type: 1 }],
  });
  await steward('POST', `/api/v1/catalogue/drafts/${draft.id}/submit`, {});
  const operator = await apiAs('operator');
  const system = (await operator('GET', `/api/v1/departments/${market}/systems`))[0].id;
  const user = (await operator('GET', '/api/v1/users')).items[0].id;
  const open = await (await fetch(`${base}/api/v1/public/catalogue/resources?limit=1`)).json();
  const openId = open.items[0].id;
  const items = await (await fetch(`${base}/api/v1/items?q=${encodeURIComponent('不动产转移登记')}`)).json();
  const item = encodeURIComponent(items.items[0].code);
  const marketItems = await (await fetch(`${base}/api/v1/items?department=${market}&limit=1`)).json();
  const marketItem = encodeURIComponent(marketItems.items[0].code);
  const demoCase = creds.cases[0].case_no;
  const issuer = await apiAs('cert_issuer');
  const certificates = await issuer('GET', '/api/v1/certificates?limit=1');
  const typeCode = certificates[0].type_code;
  // The review the buyer gave in the flow above.
  const supervisor = await apiAs('supervisor');
  const review = (await supervisor('GET', '/api/v1/evaluations')).items[0].id;

  // The citizen's certificate and a 亮证 link, through the pages.
  const { context, page } = await contextFor('citizen');
  await page.goto(`${base}/me/certificates`);
  await page.getByRole('link', { name: '结婚证' }).click();
  const mine = new URL(page.url()).pathname;
  const id = (await page.locator('.identifier code').nth(0).innerText()).trim();
  const code = (await page.locator('.identifier code').nth(1).innerText()).trim();
  await page.getByRole('button', { name: '生成亮证码' }).click();
  await page.waitForURL(/[?&]show=/);
  const show = `/shows/${encodeURIComponent(new URL(page.url()).searchParams.get('show'))}`;
  await context.close();

  return {
    anonymous: ['/', '/login', '/login/applicant', '/catalogue', `/catalogue/${openId}`, '/certificate-types',
      '/verify', `/verify?id=${encodeURIComponent(id)}&code=${code}`, show,
      '/privacy', '/terms', '/accessibility', '/developers', '/items', `/items/${item}`,
      `/items/${item}?answer.married=yes`, '/bundles/newborn', '/items/statistics', '/performance'],
    operator: ['/', '/admin/regions', '/admin/departments', '/admin/systems', `/admin/systems/${system}`,
      '/admin/users', `/admin/users/${user}`, '/calendar', '/audit', '/seals', '/sharing/requests',
      '/sharing/grants', '/gov/catalogue', '/catalogue/review', `/catalogue/review/${draft.id}`,
      '/catalogue/statistics', '/items/manage', '/items/reviews', `/items/${item}/history`],
    data_steward: ['/', '/catalogue/drafts', `/catalogue/drafts/${draft.id}`, made.request,
      '/sharing/requests?view=outgoing', `/sharing/requests/new?resource=${made.resource.split('/').pop()}`,
      '/notifications', '/items/manage', `/items/${marketItem}/edit`, `/items/${marketItem}/history`],
    cert_issuer: ['/', '/certificates', `/certificates/new?type=${encodeURIComponent(typeCode)}`,
      made.certificate],
    citizen: ['/', '/me/certificates', mine, '/me/data-uses', '/me/cases', `/cases/${demoCase}`,
      `/cases/${demoCase}/evaluate?channel=qr`],
    window_clerk: ['/cases', '/cases?status=supplementing', `/cases/${demoCase}`, made.transfer],
    approver: ['/tasks', '/supervision/alerts'],
    supervisor: ['/supervision', '/supervision/cases?figure=concluded', '/supervision/reviews',
      '/supervision/assessment', `/evaluations/${review}`],
  };
}

/** Violations of WCAG 2.1 A and AA that axe-core finds on the page. */
async function axeViolations(page) {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const r = await globalThis.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes[0]?.target.join(' ')}`);
  });
}

test('every page in the route list, at 1280 and 390 px, in Chinese and English: no sideways scrolling, no WCAG 2.1 AA violation', async () => {
  assert.ok(made.request && made.certificate, 'the flows above ran');
  const routes = execFileSync(binary, ['routes', '--pages']).toString().trim().split('\n')
    .map((line) => line.split(' ')[1]);
  const byRole = await visits();
  const all = Object.values(byRole).flat();
  const uncovered = routes.filter((r) => !(r in NOT_PAGES) && !all.some((p) => instanceOf(r, p)));
  assert.deepEqual(uncovered, [], 'pages of the route list that this test does not open');

  const failures = [];
  const started = Date.now();
  let loads = 0;
  for (const [role, paths] of Object.entries(byRole)) {
    for (const [width, height] of [[1280, 900], [390, 844]]) {
      const { context, page } = await contextFor(role === 'data_steward' ? 'data_steward' : role,
        { viewport: { width, height } });
      for (const lang of ['zh', 'en']) {
        await context.addCookies([{ name: 'yici_lang', value: lang, url: base }]);
        for (const path of paths) {
          const res = await page.goto(`${base}${path}`);
          loads++;
          const where = `${role} ${lang} ${width}px ${path}`;
          if (!res || res.status() >= 400) failures.push(`${where}: HTTP ${res?.status()}`);
          if (await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)) {
            failures.push(`${where}: scrolls sideways`);
          }
          for (const v of await axeViolations(page)) failures.push(`${where}: ${v}`);
          assert.equal(await page.getAttribute('html', 'lang'), lang === 'zh' ? 'zh-CN' : 'en', where);
        }
      }
      await context.close();
    }
  }
  const pages = new Set(all.map((p) => p.split('?')[0])).size;
  console.log(`# checked ${all.length} pages (${pages} distinct paths, ${routes.length - Object.keys(NOT_PAGES).length} page routes) `
    + `in ${loads} loads in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.deepEqual(failures, []);
});

test('长辈版 on a 390-px phone: the certificate text stays inside its frame, on the holder\'s page and when shown', async () => {
  const { context, page } = await contextFor('citizen', { viewport: { width: 390, height: 844 } });
  await context.addCookies([{ name: 'yici_mode', value: 'elderly', url: base }]);
  const escapes = () => page.locator('.certificate').evaluate((frame) => {
    const box = frame.getBoundingClientRect();
    return [...frame.querySelectorAll('*')]
      .filter((e) => e.childNodes.length && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.left < box.left - 1 || r.right > box.right + 1;
      })
      .map((e) => e.textContent.trim().slice(0, 30));
  });
  await page.goto(`${base}/me/certificates`);
  const links = await page.locator('table a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(links.length >= 3);
  for (const href of links) {
    await page.goto(`${base}${href}`);
    assert.match(await page.getAttribute('body', 'class'), /elderly/);
    assert.deepEqual(await escapes(), [], `text outside the frame on ${href}`);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1), false, href);
  }
  await page.getByRole('button', { name: '生成亮证码' }).click();
  await page.waitForURL(/[?&]show=/);
  await page.goto(`${base}/shows/${encodeURIComponent(new URL(page.url()).searchParams.get('show'))}`);
  assert.deepEqual(await escapes(), [], 'text outside the frame when shown');
  await context.close();
});
