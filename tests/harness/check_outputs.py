#!/usr/bin/env python3
"""What CI reads from a testdb suite, checked the way CI reads it.

  check_outputs.py reporters TOOL NAMES_SUITE
      Runs the names suite (test names with <, &, quotes, non-ASCII letters)
      with every Catch2 reporter; stdout must be exactly the reporter's
      output (XML parsed by a real parser, TAP checked line by line), and
      testdb's own lines must be on stderr. Then runs the psql command that
      TESTDB_KEEP_FAILED printed and checks it returns the kept rows.

  check_outputs.py leftovers TOOL BAD_SUITE CTEST
      A run that leaves rows behind must exit non-zero run directly,
      through ctest and through `testdb run`.

Both start their own server with `testdb up` and stop it at the end.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ODD_NAMES = [
    'price < 10 & > 0',
    'quotes "double" and \'single\' & <tags/>',
    'non-ASCII: café, Grüße, Ελληνικά, 東京 ]]> --',
    'fails & keeps rows of "Tenants" <kept> \'é\'',
]
failures = []


def check(condition, what, detail=''):
    if not condition:
        failures.append(what + (': ' + detail[-3000:] if detail else ''))


def run(args, env, cwd=None):
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, timeout=600)


def start_server(tool, base):
    up = run([tool, 'up', '--dir', base], dict(os.environ))
    if up.returncode != 0:
        sys.exit('testdb up failed: ' + up.stderr.decode(errors='replace'))
    line = up.stdout.decode().strip()
    match = re.match(r"^export DATABASE_URL_TEST='([^']+)'$", line)
    if not match:
        sys.exit('testdb up printed no export line: ' + line)
    env = {k: v for k, v in os.environ.items() if not k.startswith('TESTDB_')}
    env['DATABASE_URL_TEST'] = match.group(1)
    return env


def stop_server(tool, base):
    """Stops the server of start_server() and removes its scratch directory."""
    run([tool, 'down', '--dir', base], dict(os.environ))
    shutil.rmtree(base, ignore_errors=True)


def check_xml(reporter, out):
    try:
        root = ET.fromstring(out)
    except ET.ParseError as e:
        check(False, reporter + ': stdout is not well-formed XML (' + str(e) + ')', out.decode(errors='replace'))
        return
    text = ET.tostring(root, encoding='unicode')
    names = set()
    for element in root.iter():
        names.update(element.attrib.values())
        if element.text:
            names.add(element.text)
    for name in ODD_NAMES:
        check(any(name in value for value in names), reporter + ': test name ' + name + ' in the XML', text)


def check_tap(out):
    lines = out.decode().splitlines()
    plan = [l for l in lines if re.match(r'^1\.\.\d+$', l)]
    results = [l for l in lines if re.match(r'^(ok|not ok) \d+ ', l)]
    other = [l for l in lines if l and not re.match(r'^(1\.\.\d+|(ok|not ok) \d+ .*|#.*)$', l)]
    check(len(plan) == 1, 'tap: one plan line', out.decode())
    check(not other, 'tap: only TAP lines on stdout', '\n'.join(other))
    if plan:
        check(int(plan[0][3:]) == len(results), 'tap: the plan matches the results', out.decode())
    check(any(l.startswith('not ok') for l in results), 'tap: the failing test is not ok', out.decode())


def reporters(tool, suite):
    base = tempfile.mkdtemp(prefix='testdb-outputs-')
    os.chmod(base, 0o755)
    env = start_server(tool, base)
    env['TESTDB_KEEP_FAILED'] = '1'
    try:
        last_err = ''
        for reporter in ['console', 'compact', 'xml', 'junit', 'sonarqube', 'tap']:
            result = run([suite, '-r', reporter], env)
            out, err = result.stdout, result.stderr.decode(errors='replace')
            check(result.returncode == 1, reporter + ': exit code 1 (one test fails)', err)
            own = [l for l in out.decode(errors='replace').splitlines()
                   if re.match(r'^\s*(testdb: |inspect: |\(the next testdb run)', l)
                   or 'tests passed in' in l or 'kept the rows of' in l]
            check(not own, reporter + ': no testdb line on stdout', '\n'.join(own))
            check('testdb: 3/4 tests passed' in err, reporter + ': the summary on stderr', err)
            check('kept the rows of' in err, reporter + ': the TESTDB_KEEP_FAILED notice on stderr', err)
            if reporter in ('xml', 'junit', 'sonarqube'):
                check_xml(reporter, out)
            elif reporter == 'tap':
                check_tap(out)
            last_err = err
        # The printed command, run by a shell as a user would paste it.
        command = [l.split('inspect: ', 1)[1] for l in last_err.splitlines() if 'inspect: ' in l]
        check(len(command) == 1, 'one inspect command', last_err)
        if command:
            kept = re.findall(r'odd-names-ak\d+-[a-z0-9]+', command[0])
            psql = run(['sh', '-c', command[0]], env)
            shown = psql.stdout.decode(errors='replace')
            check(psql.returncode == 0, 'the inspect command runs', command[0] + '\n' + psql.stderr.decode(errors='replace'))
            check(len(kept) == 1 and kept[0] in shown and '(1 row)' in shown,
                  'the inspect command shows the kept tenant row', command[0] + '\n' + shown)
    finally:
        stop_server(tool, base)


def leftovers(tool, suite, ctest):
    base = tempfile.mkdtemp(prefix='testdb-leftovers-')
    os.chmod(base, 0o755)
    env = start_server(tool, base)
    message = 'LeakError: the run left rows behind'
    try:
        direct = run([suite, '[stray-rows]'], env)
        err = direct.stderr.decode(errors='replace')
        check(direct.returncode != 0, 'directly: non-zero exit', err)
        check(message in err and 'items 2, tenants 1' in err, 'directly: the message', err)

        ctest_dir = os.path.join(base, 'ctest')
        os.mkdir(ctest_dir)
        with open(os.path.join(ctest_dir, 'CTestTestfile.cmake'), 'w') as f:
            f.write('add_test(stray_rows %s "[stray-rows]")\n' % shlex.quote(suite))
            f.write('set_tests_properties(stray_rows PROPERTIES ENVIRONMENT "DATABASE_URL_TEST=%s")\n'
                    % env['DATABASE_URL_TEST'])
        through_ctest = run([ctest, '--output-on-failure'], env, cwd=ctest_dir)
        out = through_ctest.stdout.decode(errors='replace')
        check(through_ctest.returncode != 0, 'through ctest: the test fails', out)
        check(message in out, 'through ctest: the message', out)

        through_run = run([tool, 'run', '--', suite, '[stray-rows]'], env)
        out = through_run.stdout.decode(errors='replace') + through_run.stderr.decode(errors='replace')
        check(through_run.returncode != 0, 'through testdb run: non-zero exit', out)
        check(message in out, 'through testdb run: the message', out)

        # Last: it breaks the schema. A check testdb cannot carry out is an
        # error of the test that caused it, not a leak.
        dropped = run([suite, '[drops-table]'], env)
        out = dropped.stdout.decode(errors='replace') + dropped.stderr.decode(errors='replace')
        check(dropped.returncode != 0, 'a dropped table: non-zero exit', out)
        check('Error: testdb could not check or clean up after test "drops a table its cleanup '
              'needs" (an error of the check itself, not a leak)' in out, 'a dropped table: the error', out)
        check('LeakError' not in out and ', 0 leaks' in out, 'a dropped table: no leak counted', out)
    finally:
        stop_server(tool, base)


def main():
    mode = sys.argv[1]
    paths = [os.path.abspath(p) for p in sys.argv[2:]]
    if mode == 'reporters':
        reporters(*paths)
    else:
        leftovers(*paths)
    for failure in failures:
        print('FAILED:', failure)
    print('%s: %s' % (mode, 'FAILED' if failures else 'ok'))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
