// Browser tests of the catalogue: a citizen searches the public catalogue in Chinese, and a
// steward's resource goes through the operator's review into the catalogue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const binary = process.env.YICI_BIN ?? join(root, 'target/debug/yici');
const port = 19000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
const data = mkdtempSync(join(tmpdir(), 'yici-browser-catalogue-'));
let server;
let browser;
let creds;

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

async function signIn(page, role) {
  const user = creds.users.find((u) => u.role === role);
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名').fill(user.username);
  await page.getByLabel('密码').fill(user.password);
  await page.getByRole('button', { name: '登录' }).click();
}

test('anyone searches the open data catalogue in Chinese and opens a resource', async () => {
  const page = await browser.newPage();
  await page.goto(base);
  await page.getByRole('link', { name: /公共数据开放目录/ }).click();
  await page.getByLabel('关键词').fill('营业执照');
  await page.getByRole('button', { name: '检索' }).click();
  assert.match(await page.locator('caption').innerText(), /共找到 \d+ 个数据资源/);
  await page.getByRole('link', { name: '营业执照信息', exact: true }).click();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '营业执照信息');
  assert.equal(await page.getByRole('cell', { name: '统一社会信用代码', exact: true }).count(), 1);
  // Resources that are not open do not appear.
  await page.goto(`${base}/catalogue?q=${encodeURIComponent('社保缴费')}`);
  assert.equal(await page.getByRole('link', { name: '社保缴费信息', exact: true }).count(), 0);
  await page.close();
});

test('a steward catalogues a resource and the operator approves it into the catalogue', async () => {
  const page = await browser.newPage();
  await signIn(page, 'data_steward');
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '资源编目' }).click();
  await page.getByLabel('分类代码').fill('102009');
  await page.getByLabel('资源名称').fill('广告发布登记信息');
  await page.getByLabel('资源摘要').fill('广告发布单位的登记信息');
  await page.getByLabel(/^共享类型/).selectOption('2');
  await page.getByLabel('开放类型').selectOption('1');
  await page.getByLabel('信息项1名称').fill('广告发布单位');
  await page.getByRole('button', { name: '保存草稿' }).click();
  // The conditional share type needs its condition: the error is by the field, the input kept.
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /有条件共享必须填写共享条件/);
  assert.equal(await page.getByLabel('资源名称').inputValue(), '广告发布登记信息');
  await page.getByLabel('共享条件').fill('用于广告监管');
  await page.getByRole('button', { name: '保存草稿' }).click();
  await page.getByRole('status').waitFor();
  const row = page.getByRole('row').filter({ hasText: '广告发布登记信息' });
  await row.getByRole('button', { name: '提交审核' }).click();
  await page.getByRole('button', { name: '退出登录' }).click();

  await signIn(page, 'operator');
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '目录审核' }).click();
  // The reviewer reads the resource before deciding: its name leads to it, the decision is there.
  await page.getByRole('link', { name: '广告发布登记信息', exact: true }).click();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '广告发布登记信息');
  assert.equal(await page.getByRole('cell', { name: '广告发布单位', exact: true }).count(), 1);
  await page.getByRole('button', { name: '通过：广告发布登记信息' }).click();
  await page.getByRole('status').waitFor();
  assert.match(await page.locator('caption').innerText(), /待审核 0 项/);

  await page.goto(`${base}/catalogue?q=${encodeURIComponent('广告发布')}`);
  assert.equal(await page.getByRole('link', { name: '广告发布登记信息', exact: true }).count(), 1);
  await page.close();
});
