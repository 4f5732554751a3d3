// Browser tests: the demo server in headless Chromium (Debian's package), driven by playwright-core.
// Run with `npm test` in this folder after `cargo build -p yici-cli`; `.ci/run` does both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const binary = process.env.YICI_BIN ?? join(root, 'target/debug/yici');
const port = 18000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
const data = mkdtempSync(join(tmpdir(), 'yici-browser-'));
let server;
let browser;
let creds;

async function waitForServer() {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not become ready');
}

before(async () => {
  server = spawn(binary, ['serve', '--demo', '--data', data, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  await waitForServer();
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

const user = (role) => creds.users.find((u) => u.role === role);

async function signIn(page, role) {
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名').fill(user(role).username);
  await page.getByLabel('密码').fill(user(role).password);
  await page.getByRole('button', { name: '登录' }).click();
}

test('signing in shows the navigation of the role, and signing out ends it', async () => {
  const page = await browser.newPage();
  await signIn(page, 'operator');
  assert.equal(new URL(page.url()).pathname, '/');
  const nav = page.getByRole('navigation', { name: '主导航' });
  for (const item of ['行政区划', '部门', '应用系统', '用户与角色', '工作日历']) {
    assert.equal(await nav.getByRole('link', { name: item, exact: true }).count(), 1, item);
  }
  await page.getByRole('button', { name: '退出登录' }).click();
  assert.equal(await page.getByRole('link', { name: '工作人员登录' }).count() > 0, true);
  await page.goto(`${base}/admin/departments`);
  assert.equal(new URL(page.url()).pathname, '/login', 'pages need a session again');

  // A data steward sees systems but not user administration.
  await signIn(page, 'data_steward');
  const stewardNav = page.getByRole('navigation', { name: '主导航' });
  assert.equal(await stewardNav.getByRole('link', { name: '应用系统' }).count(), 1);
  assert.equal(await stewardNav.getByRole('link', { name: '用户与角色' }).count(), 0);
  await page.close();
});

test('a wrong password is reported in words, next to the field and in a summary', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名').fill('operator');
  await page.getByLabel('密码').fill('not-the-password');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /用户名或密码错误/);
  assert.equal(await page.getByLabel('用户名').inputValue(), 'operator', 'entered data survives');
  await page.close();
});

test('an operator adds a department, then issues and revokes a system token', async () => {
  const page = await browser.newPage();
  await signIn(page, 'operator');
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '部门', exact: true }).click();

  // First with a wrong check character: the error names the field and keeps the input.
  await page.getByLabel('部门名称').fill('浙江省教育厅');
  await page.getByLabel('统一社会信用代码').fill('91350100M000100Y44');
  await page.getByLabel('所在行政区划代码').fill('330000');
  await page.getByRole('button', { name: '创建部门' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /校验码错误/);
  assert.equal(await page.getByLabel('部门名称').inputValue(), '浙江省教育厅');
  assert.equal(await page.getByLabel('统一社会信用代码').getAttribute('aria-invalid'), 'true');

  // Then right.
  await page.getByLabel('统一社会信用代码').fill('11330000MB0002014D');
  await page.getByRole('button', { name: '创建部门' }).click();
  await page.getByRole('status').waitFor();
  assert.match(await page.getByRole('status').innerText(), /已创建/);
  assert.equal(await page.getByRole('cell', { name: '浙江省教育厅' }).count(), 1);

  // Register a system for it and issue a token, shown once.
  await page.getByRole('link', { name: '浙江省教育厅' }).click();
  await page.getByLabel('系统名称').fill('学籍管理系统');
  await page.getByRole('button', { name: '登记' }).click();
  await page.getByRole('button', { name: '签发令牌' }).click();
  const token = (await page.locator('#new-token').innerText()).trim();
  assert.match(token, /^yici_sys_/);
  const ok = await fetch(`${base}/api/v1/regions`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(ok.status, 200);

  await page.getByRole('button', { name: '吊销' }).click();
  await page.getByRole('status').waitFor();
  assert.equal(await page.getByRole('cell', { name: '已吊销' }).count(), 1);
  const refused = await fetch(`${base}/api/v1/regions`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()).code, 'invalid_token');
  await page.close();
});

test('every form field has a label, keyboard focus is visible, and the page switches to English and large print', async () => {
  const page = await browser.newPage();
  await signIn(page, 'operator');
  await page.goto(`${base}/admin/users`);
  const unlabelled = await page.$$eval('input:not([type=hidden]), select', (els) =>
    els.filter((e) => !e.id || !document.querySelector(`label[for="${e.id}"]`)).map((e) => e.name));
  assert.deepEqual(unlabelled, []);
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => document.activeElement.textContent);
  assert.match(skip, /跳到主要内容/, 'the first tab stop skips to the content');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');

  await page.getByRole('link', { name: 'English' }).click();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Users and roles');
  await page.getByRole('link', { name: 'Large print / accessible' }).click();
  assert.match(await page.getAttribute('body', 'class'), /elderly/);
  const size = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  assert.ok(size >= 20, `large print font size ${size}`);
  await page.close();
});

test('a citizen opens a certificate, sees its QR code, shares it and shows it; anyone verifies it', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/login/applicant`);
  await page.getByLabel('证件号码').fill('11010519491231002X');
  await page.getByLabel('姓名或单位名称').fill('张三');
  await page.getByRole('button', { name: '实名核验并登录' }).click();
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '我的证照' }).click();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '我的证照');
  await page.getByRole('link', { name: '结婚证' }).click();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '结婚证');
  const qr = page.getByRole('img', { name: '扫码核验真伪' });
  assert.equal(await qr.count(), 1, 'the verification QR code has an accessible name');
  const box = await qr.boundingBox();
  assert.ok(box.width >= 100, `the QR code is large enough to scan (${box.width}px)`);
  assert.match(await page.locator('.certificate').innerText(), /配偶姓名\s*李四/);

  // Share it with the window for a purpose; the consent is listed with a withdraw button.
  await page.getByLabel('使用部门').selectOption({ label: '衢州市数据资源管理局' });
  await page.getByLabel('用途').fill('办理户籍迁移');
  await page.getByRole('button', { name: '授权', exact: true }).click();
  assert.equal(await page.getByRole('button', { name: '撤回授权' }).count(), 1);
  assert.match(await page.locator('table').first().innerText(), /办理户籍迁移/);

  // The printed code verifies on the public page, without signing in.
  const code = (await page.locator('.identifier code').nth(1).innerText()).trim();
  const id = (await page.locator('.identifier code').nth(0).innerText()).trim();
  await page.getByRole('button', { name: '生成亮证码' }).click();
  assert.equal(await page.getByRole('img', { name: /亮证码/ }).count(), 1);
  const visitor = await browser.newPage();
  await visitor.goto(`${base}/verify`);
  await visitor.getByLabel('证照标识').fill(id);
  await visitor.getByLabel('核验码').fill(code);
  await visitor.getByRole('button', { name: '核验' }).click();
  assert.match(await visitor.locator('.verification').innerText(), /有效：内容未被篡改/);
  await visitor.close();
  await page.close();
});

/** Whether the page is wider than the window (it would scroll sideways). */
async function overflows(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

test('no page scrolls sideways on a 390-px phone, in 长辈版 too, and the audit log fits 1280 px', async () => {
  const pages = {
    anonymous: ['/', '/login', '/login/applicant', '/catalogue', '/certificate-types', '/verify', '/privacy',
      '/developers'],
    operator: ['/', '/admin/regions', '/admin/departments', '/admin/systems', '/admin/users', '/calendar',
      '/audit', '/sharing/grants', '/seals', '/gov/catalogue', '/catalogue/review'],
  };
  const failures = [];
  for (const mode of ['standard', 'elderly']) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await context.addCookies([{ name: 'yici_mode', value: mode, url: base }]);
    const page = await context.newPage();
    for (const path of pages.anonymous) {
      await page.goto(`${base}${path}`);
      if (await overflows(page)) failures.push(`${mode} anonymous ${path}`);
    }
    await signIn(page, 'operator');
    for (const path of pages.operator) {
      await page.goto(`${base}${path}`);
      if (await overflows(page)) failures.push(`${mode} operator ${path}`);
    }
    await context.close();
  }
  assert.deepEqual(failures, [], 'pages wider than a 390-px phone');

  const wide = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await wide.newPage();
  await signIn(page, 'operator');
  await page.goto(`${base}/audit`);
  assert.equal(await overflows(page), false, 'the audit log fits 1280 px');
  await wide.close();
});
