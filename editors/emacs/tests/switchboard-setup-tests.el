;;; switchboard-setup-tests.el --- Keys, models, health, restart  -*- lexical-binding: t; -*-

;;; Commentary:

;; The prefix map, the model picker (chat models only, back to the
;; default), the health report asking the upstream, the restart when
;; the configuration changes, finding the built daemon, and shutdown.

;;; Code:

(require 'switchboard-test-helpers)

(ert-deftest switchboard-command-map-is-a-prefix ()
  "`switchboard-command-map' binds as a prefix command; nothing is bound globally."
  (should (eq (lookup-key switchboard-command-map "r") #'switchboard-rewrite))
  (should (eq (lookup-key switchboard-command-map "c") #'switchboard-chat))
  (should (keymapp (symbol-function 'switchboard-command-map)))
  (should-not (where-is-internal #'switchboard-rewrite global-map)))

(defun switchboard-tests-offered (answer)
  "Run `switchboard-select-model', answering ANSWER; return the choices offered.
The command returns at once (it does not wait for the upstream); the
choice is read when the models arrive."
  (let (offered)
    (cl-letf (((symbol-function 'completing-read)
               (lambda (_prompt collection &rest _)
                 (setq offered (all-completions "" collection))
                 answer)))
      (call-interactively #'switchboard-select-model)
      (should-not offered)
      (should (switchboard-tests-wait-until (lambda () offered))))
    offered))

(ert-deftest switchboard-model-picker-offers-chat-models-and-the-default ()
  "Only chat models are offered; an empty answer goes back to the daemon's default."
  (switchboard-tests-with-daemon
    (should (equal (switchboard-tests-offered "gpt-4o") '("gpt-4o-mini" "gpt-4o")))
    (should (equal switchboard-model "gpt-4o"))
    (should (equal (switchboard-ask "which?") "echo: which?"))
    (should (equal (alist-get 'model (car (last (switchboard-tests-chat-requests)))) "gpt-4o"))
    (switchboard-tests-offered "")
    (should-not switchboard-model)
    (switchboard-ask "and now?")
    (should (equal (alist-get 'model (car (last (switchboard-tests-chat-requests)))) "gpt-4o-mini"))))

(ert-deftest switchboard-health-asks-the-upstream-and-restarts-on-new-config ()
  "The report quotes models.list; a changed `switchboard-config' restarts the daemon."
  (switchboard-tests-with-daemon
    (let ((report (switchboard-health)))
      (should (string-match-p "OK: the upstream answered models.list: 4 models, 2 for chat: gpt-4o-mini, gpt-4o" report))
      (should-not (string-match-p "ERROR" report))
      (should-not (string-match-p (regexp-quote (getenv "OPENAI_API_KEY")) report)))
    (let ((before switchboard--process))
      (setq switchboard-config '(:base_url "http://127.0.0.1:9/v1" :max_retries 0))
      (let ((report (switchboard-health)))
        (should-not (process-live-p before))
        (should (string-match-p "ERROR: models.list failed: cannot reach the upstream" report))))
    (setq switchboard-config nil)
    (should (equal (switchboard-ask "back") "echo: back"))))

(ert-deftest switchboard-finds-the-repository-build ()
  "Without `switchboard-command', the repository's release build is used when it exists."
  (let* ((repository (make-temp-file "repository" t))
         (built (expand-file-name ".build/release/switchboard" repository))
         (switchboard-command nil))
    (let ((switchboard-rpc--repository (file-name-as-directory repository)))
      (should (equal (switchboard-rpc-command) '("switchboard")))
      (make-directory (file-name-directory built) t)
      (write-region "#!/bin/sh\n" nil built)
      (set-file-modes built #o755)
      (should (equal (switchboard-rpc-command) (list built))))
    (delete-directory repository t)))

(ert-deftest switchboard-shutdown-ends-the-process ()
  "`switchboard-shutdown' ends the daemon cleanly (exit 0), and runs when Emacs exits."
  (switchboard-tests-with-daemon
    (switchboard-ask "hello before shutdown")
    (let ((process switchboard--process))
      (should (memq #'switchboard-shutdown kill-emacs-hook))
      (switchboard-shutdown)
      (should-not (process-live-p process))
      (should (eql (process-exit-status process) 0))
      (should-not (switchboard-running-p)))))

(provide 'switchboard-setup-tests)
;;; switchboard-setup-tests.el ends here
