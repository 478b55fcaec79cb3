import { render } from 'preact';
import { App } from './app';
import 'uplot/dist/uPlot.min.css';
import './styles.css';

const root = document.getElementById('app')!;
root.textContent = ''; // the "Loading…" line the page shows before this script runs
render(<App />, root);
