// Browser tests of issue 14: the predict-the-next-step quiz driven through a whole scenario by
// the API (always right: full score; wrong once: the score says so) and by the keys 1-4 and
// Enter; a glossary chip opens the glossary at its term; the beginner view hides ESMTP
// parameters and capability lines until "show all". The right answer is taken from the
// command line's own run of the scenario (relaylab sim NAME --format json), never from the page.
import path from 'node:path';
import { openPage, assert } from './harness.mjs';
import { nextFrames } from './classroom.mjs';

const api = (p, fn, arg) => p.evaluate(fn, arg);
const state = (p) => api(p, () => window.relaylab.state());

// The index of the choice that says what the report's step really is.
function expectedIndex(q, report) {
  const step = report.steps[q.step - 1];
  const i = q.choices.findIndex((c) => {
    if (c.kind === 'reply') return c.code === step.code && c.enhanced === step.enhanced;
    if (c.kind === 'dns') return step.text.endsWith(': ' + c.label);
    return c.outcome === step.outcome;
  });
  assert(i >= 0, `no choice matches step ${q.step} (${step.text}): ${JSON.stringify(q.choices)}`);
  return i;
}

function checkQuestion(q) {
  assert(q.choices.length >= 2 && q.choices.length <= 4, `${q.choices.length} choices at step ${q.step}`);
  assert(new Set(q.choices.map((c) => c.label)).size === q.choices.length, `duplicate choices: ${JSON.stringify(q.choices)}`);
  assert(q.prompt.length > 10, `prompt ${JSON.stringify(q.prompt)}`);
  for (const c of q.choices) assert(['reply', 'dns', 'decision'].includes(c.kind), `kind ${c.kind}`);
}

// Answers every question of the loaded scenario through the API; `wrongAt` (a question
// number) gets a wrong answer. Returns the questions seen.
async function driveByApi(p, report, wrongAt = -1) {
  let n = 0;
  for (let guard = 0; guard < 2000; guard++) {
    const q = await api(p, () => window.relaylab.quiz.question());
    if (q) {
      checkQuestion(q);
      const s = await state(p);
      assert(s.step === q.step - 1, `question for step ${q.step} asked at step ${s.step}`);
      if (n === 0) {
        // Stepping on past an unanswered question is blocked.
        await api(p, () => window.relaylab.step());
        assert((await state(p)).step === s.step, 'step() went past an unanswered question');
      }
      const right = expectedIndex(q, report);
      const pick = n === wrongAt ? (right + 1) % q.choices.length : right;
      const a = await api(p, (i) => window.relaylab.quiz.answer(i), pick);
      assert(a.correct === (pick === right), `answer ${pick} at step ${q.step}: ${JSON.stringify(a)}`);
      assert(a.expected === q.choices[right].label, `expected ${a.expected}, report says ${q.choices[right].label}`);
      assert(typeof a.explanation === 'string', 'no explanation');
      n++;
      await api(p, () => window.relaylab.quiz.next());
      continue;
    }
    const s = await state(p);
    if (s.step >= s.total_steps) return n;
    await api(p, () => window.relaylab.step());
  }
  throw new Error('the quiz never reached the end of the run');
}

export function quizTests({ browser, url, figures, report }) {
  return [
    ['quiz via the API: a whole run answered right scores full; one wrong answer shows in the score', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=happy-path&step=12');
      const rep = report('happy-path');
      const start = await api(p, () => window.relaylab.quiz.start());
      assert(start.answered === 0 && start.total > 10, `start ${JSON.stringify(start)}`);
      const s0 = await state(p);
      assert(s0.step === 0 && s0.prefs.hide_future && s0.quiz.active, `after start: ${JSON.stringify(s0.quiz)} step ${s0.step}`);
      const n = await driveByApi(p, rep);
      const score = await api(p, () => window.relaylab.quiz.score());
      assert(n === score.total && score.answered === score.total && score.correct === score.total,
             `full run: ${n} answered, score ${JSON.stringify(score)}`);
      assert(score.total >= 20, `only ${score.total} questions in happy-path`);
      await api(p, () => window.relaylab.quiz.start());  // again, with one wrong answer
      await driveByApi(p, rep, 3);
      const score2 = await api(p, () => window.relaylab.quiz.score());
      assert(score2.answered === score2.total && score2.correct === score2.total - 1, `one wrong: ${JSON.stringify(score2)}`);
      figures.lines.push(`quiz: happy-path has ${score.total} questions`);
      await api(p, () => window.relaylab.quiz.stop());
      const s1 = await state(p);
      assert(!s1.quiz.active && !s1.prefs.hide_future, `after stop: ${JSON.stringify(s1.quiz)}, hide_future ${s1.prefs.hide_future}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
    ['quiz via the keys: 1-4 answer, Enter goes on, through a whole greylisting run', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=greylisting', { width: 1280, height: 800 });
      const rep = report('greylisting');
      await api(p, () => window.relaylab.quiz.start());
      await nextFrames(p, 3);
      const t = await api(p, () => window.relaylab.layout().toolbar);
      await p.mouse.click(t.x + t.width - 3, t.y + 3);  // the page has the keyboard, no widget the focus
      await nextFrames(p, 3);
      let asked = 0, shots = 0;
      for (let guard = 0; guard < 500; guard++) {
        const q = await api(p, () => window.relaylab.quiz.question());
        const s = await state(p);
        if (!q && s.step >= s.total_steps) break;
        if (q) {
          const right = expectedIndex(q, rep);
          if (figures.shotDir && shots === 0 && q.kind === 'reply' && q.choices.some((c) => c.code === 451)) {
            await p.screenshot({ path: path.join(figures.shotDir, 'quiz-question.png') });
            shots++;
          }
          await p.keyboard.press(String(right + 1));
          await nextFrames(p, 3);
          const after = await state(p);
          assert(!after.quiz.pending, `key ${right + 1} did not answer the question at step ${q.step}`);
          if (figures.shotDir && shots === 1) {
            await p.screenshot({ path: path.join(figures.shotDir, 'quiz-reveal.png') });
            figures.lines.push(`quiz screenshots: ${path.join(figures.shotDir, 'quiz-question.png')}, quiz-reveal.png`);
            shots++;
          }
          asked++;
        }
        await p.keyboard.press('Enter');
        await nextFrames(p, 3);
        const moved = await state(p);
        assert(moved.step > s.step || moved.step >= moved.total_steps, `Enter did not go on from step ${s.step}`);
      }
      const score = await api(p, () => window.relaylab.quiz.score());
      assert(asked === score.total && score.correct === score.total, `keys: ${asked} asked, score ${JSON.stringify(score)}`);
      // The greylisted RCPT offered the real alternative of the run without greylisting.
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
    ['quiz: the greylisted RCPT offers 451 4.7.1 and, from the switch flipped, 250 2.1.5', async () => {
      const { page: p } = await openPage(browser, url + '#scenario=greylisting');
      const rep = report('greylisting');
      const i = rep.steps.findIndex((st) => st.code === 451);
      await api(p, () => window.relaylab.quiz.start());
      await api(p, (n) => window.relaylab.seek(n), i);
      // Seeking is held at the first unanswered question: answer them on the way.
      for (let guard = 0; guard < 200 && (await state(p)).step < i; guard++) {
        const q = await api(p, () => window.relaylab.quiz.question());
        if (q) await api(p, (k) => window.relaylab.quiz.answer(k), expectedIndex(q, rep));
        await api(p, (n) => window.relaylab.seek(n), i);
      }
      const q = await api(p, () => window.relaylab.quiz.question());
      assert(q && q.step === i + 1, `no question at the greylisted RCPT: ${JSON.stringify(q)}`);
      const codes = q.choices.map((c) => `${c.code} ${c.enhanced}`);
      assert(codes.includes('451 4.7.1') && codes.includes('250 2.1.5'), `choices ${codes.join(', ')}`);
      await p.close();
    }],
    ['glossary: the list has the terms once each; a chip under an explanation opens it at its term', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=greylisting&step=1');
      const terms = await api(p, () => window.relaylab.glossary());
      const names = terms.map((t) => t.term);
      assert(new Set(names).size === names.length && names.length >= 27, `glossary ${names.join(', ')}`);
      for (const must of ['MX', 'DSN', 'greylisting', 'STARTTLS', 'null MX', 'envelope vs header'])
        assert(names.includes(must), `no ${must} in the glossary`);
      // Step on until the current step's explanation has a chip.
      let chip = null;
      for (let n = 1; n < 80 && !chip; n++) {
        await api(p, (k) => window.relaylab.seek(k), n);
        await nextFrames(p, 2);
        const l = await api(p, () => window.relaylab.layout());
        if (l.glossary_chip.width > 0) chip = l;
      }
      assert(chip, 'no glossary chip in the first 80 steps');
      await p.mouse.click(chip.glossary_chip.x + chip.glossary_chip.width / 2, chip.glossary_chip.y + chip.glossary_chip.height / 2);
      await nextFrames(p, 3);
      const s = await state(p);
      assert(s.glossary.open && s.glossary.term === chip.glossary_chip_term,
             `after the click on ${chip.glossary_chip_term}: ${JSON.stringify(s.glossary)}`);
      const box = await api(p, () => window.relaylab.layout().glossary);
      assert(box.width > 100 && box.height > 100, `glossary window ${JSON.stringify(box)}`);
      if (figures.shotDir) await p.screenshot({ path: path.join(figures.shotDir, 'glossary.png') });
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
    ['beginner view: no ESMTP parameters or capability lines until "show all"', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=happy-path&step=30');
      await nextFrames(p, 3);
      const plain = (await state(p)).views.transcript;
      assert(/MAIL FROM:<alice@lab\.test> SIZE=/.test(plain.current_line), `expert line ${plain.current_line}`);
      assert(plain.steps.includes(6), 'capability line (step 6) missing in the expert view');
      await api(p, () => window.relaylab.setBeginner(true));
      await nextFrames(p, 3);
      const s = await state(p);
      assert(s.prefs.beginner === true, `prefs ${JSON.stringify(s.prefs)}`);
      assert(/MAIL FROM:<alice@lab\.test>/.test(s.views.transcript.current_line) && !/SIZE=/.test(s.views.transcript.current_line),
             `beginner line ${s.views.transcript.current_line}`);
      assert(!s.views.transcript.steps.includes(6) && !s.views.sequence.steps.includes(6), 'capability line shown to a beginner');
      await api(p, () => window.relaylab.setShowAll(true));
      await nextFrames(p, 3);
      const all = (await state(p)).views.transcript;
      assert(/SIZE=/.test(all.current_line) && all.steps.includes(6), `show all: ${all.current_line}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
  ];
}
