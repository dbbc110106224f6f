import { render } from "preact";
import { Controller } from "./app/controller.js";
import { App } from "./ui/App.js";
import "./styles.css";

const controller = new Controller();
render(<App controller={controller} />, document.getElementById("app")!);
void controller.boot();
